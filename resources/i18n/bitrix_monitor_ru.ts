<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru">
<context>
    <name>ActivityChart</name>
    <message>
        <source>Last hour, per minute: jobs done (green, up), failed (red, down), time throttled (grey)</source>
        <translation>Последний час, по минутам: выполнено заданий (зелёным, вверх), с ошибкой (красным, вниз), время ожидания лимита (серым)</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s)/min</source>
        <translation>
            <numerusform>%Ln задание/мин</numerusform>
            <numerusform>%Ln задания/мин</numerusform>
            <numerusform>%Ln заданий/мин</numerusform>
        </translation>
    </message>
    <message>
        <source>{seconds} s/min throttled</source>
        <translation>ожидание лимита {seconds} с/мин</translation>
    </message>
    <message numerus="yes">
        <source>%n min ago</source>
        <translation>
            <numerusform>%Ln мин назад</numerusform>
            <numerusform>%Ln мин назад</numerusform>
            <numerusform>%Ln мин назад</numerusform>
        </translation>
    </message>
    <message>
        <source>now</source>
        <translation>сейчас</translation>
    </message>
    <message>
        <source>No activity yet</source>
        <translation>Пока ничего не происходило</translation>
    </message>
</context>
<context>
    <name>ActivityTab</name>
    <message>
        <source>Search what was done, by whom, which record…</source>
        <translation>Поиск: что сделано, кем, с какой записью…</translation>
    </message>
    <message>
        <source>Everyone</source>
        <translation>Все</translation>
    </message>
    <message>
        <source>{shown} of {total}</source>
        <translation>{shown} из {total}</translation>
    </message>
</context>
<context>
    <name>Actor</name>
    <message>
        <source>staff</source>
        <translation>сотрудник</translation>
    </message>
    <message>
        <source>sync</source>
        <translation>синхронизация</translation>
    </message>
    <message>
        <source>change watch</source>
        <translation>отслеживание изменений</translation>
    </message>
    <message>
        <source>changes from Bitrix24</source>
        <translation>изменения из Битрикс24</translation>
    </message>
    <message>
        <source>queue</source>
        <translation>очередь</translation>
    </message>
    <message>
        <source>command line</source>
        <translation>командная строка</translation>
    </message>
    <message>
        <source>moving a desk&apos;s queue file</source>
        <translation>перенос очереди рабочего места</translation>
    </message>
</context>
<context>
    <name>ArchiveTab</name>
    <message>
        <source>Before a duplicate cleanup merges records away in Bitrix24, it saves each one here in full. Restoring one creates it again in Bitrix24 (with a new id).</source>
        <translation>Перед объединением дубликатов в Битрикс24 каждая запись, которая исчезнет, полностью сохраняется здесь. Восстановление создаёт её в Битрикс24 заново (с новым ID).</translation>
    </message>
    <message>
        <source>Search record, title, shop record…</source>
        <translation>Поиск по записи, названию, записи магазина…</translation>
    </message>
    <message>
        <source>Restore…</source>
        <translation>Восстановить…</translation>
    </message>
    <message>
        <source>Select one archived record to restore it</source>
        <translation>Выберите одну запись архива, чтобы восстановить её</translation>
    </message>
    <message>
        <source>Restore {record}…</source>
        <translation>Восстановить: {record}…</translation>
    </message>
    <message>
        <source>Create this record again in Bitrix24, after a confirmation</source>
        <translation>Создать эту запись в Битрикс24 заново (после подтверждения)</translation>
    </message>
</context>
<context>
    <name>Column</name>
    <message>
        <source>Key</source>
        <translation>Ключ</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <source>Portal id</source>
        <translation>ID в Битрикс24</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>Очередь</translation>
    </message>
    <message>
        <source>Last synced</source>
        <translation>Синхронизация</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Последняя ошибка</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Заказ</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Deal id</source>
        <translation>ID сделки</translation>
    </message>
    <message>
        <source>Last error / note</source>
        <translation>Ошибка / примечание</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Пользователь</translation>
    </message>
    <message>
        <source>Contact id</source>
        <translation>ID контакта</translation>
    </message>
    <message>
        <source>Company</source>
        <translation>Компания</translation>
    </message>
    <message>
        <source>Company id</source>
        <translation>ID компании</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Задание</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>Запись</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Попытки</translation>
    </message>
    <message>
        <source>Next run</source>
        <translation>Следующий запуск</translation>
    </message>
    <message>
        <source>Queued by</source>
        <translation>Поставил в очередь</translation>
    </message>
    <message>
        <source>Run by</source>
        <translation>Выполнил</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Когда</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>Кто</translation>
    </message>
    <message>
        <source>What</source>
        <translation>Что</translation>
    </message>
    <message>
        <source>Runner</source>
        <translation>Обработчик</translation>
    </message>
    <message>
        <source>Process</source>
        <translation>Процесс</translation>
    </message>
    <message>
        <source>Runs as</source>
        <translation>Запущен как</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Версия</translation>
    </message>
    <message>
        <source>Last heartbeat</source>
        <translation>Последний сигнал</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Запущен</translation>
    </message>
    <message>
        <source>Archived</source>
        <translation>В архиве с</translation>
    </message>
    <message>
        <source>Title / name</source>
        <translation>Название / имя</translation>
    </message>
    <message>
        <source>Shop record</source>
        <translation>Запись магазина</translation>
    </message>
    <message>
        <source>Merged into</source>
        <translation>Объединена с</translation>
    </message>
    <message>
        <source>Restored as</source>
        <translation>Восстановлена как</translation>
    </message>
</context>
<context>
    <name>CrashDialog</name>
    <message>
        <source>Unexpected error</source>
        <translation>Непредвиденная ошибка</translation>
    </message>
    <message>
        <source>Something went wrong that the app did not expect. Your data is safe; the job queue keeps its state. Please copy the details below into a bug report.</source>
        <translation>Произошло то, чего приложение не ожидало. Ваши данные в сохранности, очередь заданий не потеряна. Скопируйте, пожалуйста, подробности ниже в сообщение об ошибке.</translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation>Копировать подробности</translation>
    </message>
</context>
<context>
    <name>DetailPane</name>
    <message>
        <source>Bitrix24 → shop</source>
        <translation>Битрикс24 → магазин</translation>
    </message>
    <message>
        <source>both ways</source>
        <translation>в обе стороны</translation>
    </message>
    <message>
        <source>shop → Bitrix24</source>
        <translation>магазин → Битрикс24</translation>
    </message>
    <message>
        <source>someone</source>
        <translation>кто-то</translation>
    </message>
    <message>
        <source>this app</source>
        <translation>это приложение</translation>
    </message>
    <message>
        <source>user {id}</source>
        <translation>пользователь {id}</translation>
    </message>
    <message>
        <source>In the shop: {when}</source>
        <translation>В магазине: {when}</translation>
    </message>
    <message>
        <source>In the shop: the shop keeps no time of changes</source>
        <translation>В магазине: магазин не хранит время изменений</translation>
    </message>
    <message>
        <source>In Bitrix24: {when}, by {who}</source>
        <translation>В Битрикс24: {when} ({who})</translation>
    </message>
    <message>
        <source>Stage moved in Bitrix24: {when}, by {who}</source>
        <translation>Стадия изменена в Битрикс24: {when} ({who})</translation>
    </message>
    <message>
        <source>at an unknown time</source>
        <translation>время неизвестно</translation>
    </message>
    <message>
        <source>{field}: Bitrix24 changed it to {value} ({when}), not in the shop yet: {state}</source>
        <translation>{field}: в Битрикс24 изменено на {value} ({when}), в магазине ещё нет: {state}</translation>
    </message>
    <message>
        <source>{field}: both sides last agreed on {value}</source>
        <translation>{field}: обе стороны последний раз сошлись на {value}</translation>
    </message>
    <message>
        <source>{record} no longer exists in Bitrix24: it was deleted or merged there, not by this app.</source>
        <translation>{record}: этой записи больше нет в Битрикс24 — её удалили или объединили там, не это приложение.</translation>
    </message>
    <message>
        <source>Re-create</source>
        <translation>Создать заново</translation>
    </message>
    <message>
        <source>queues a new record made from the shop&apos;s data; the shop then stores its id (asks first).</source>
        <translation>ставит в очередь создание новой записи по данным магазина; магазин затем хранит её ID (с подтверждением).</translation>
    </message>
    <message>
        <source>Unlink</source>
        <translation>Отвязать</translation>
    </message>
    <message>
        <source>the shop forgets {id}; the record shows as missing, and nothing is created until someone queues it (asks first).</source>
        <translation>магазин забывает {id}; запись показывается как «нет в Битрикс24», и ничего не создаётся, пока кто-нибудь не поставит это в очередь (с подтверждением).</translation>
    </message>
    <message>
        <source>Select a record to see it next to its Bitrix24 record.</source>
        <translation>Выберите запись, чтобы сравнить её с записью в Битрикс24.</translation>
    </message>
    <message>
        <source>queue: {state}</source>
        <translation>очередь: {state}</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>Состояние:</translation>
    </message>
    <message>
        <source>stored id {id}</source>
        <translation>сохранённый ID {id}</translation>
    </message>
    <message>
        <source>Bitrix24 id {id}</source>
        <translation>ID в Битрикс24 {id}</translation>
    </message>
    <message>
        <source>Open in Bitrix24</source>
        <translation>Открыть в Битрикс24</translation>
    </message>
    <message>
        <source>Note:</source>
        <translation>Примечание:</translation>
    </message>
    <message>
        <source>Last error:</source>
        <translation>Последняя ошибка:</translation>
    </message>
    <message>
        <source>Last synced:</source>
        <translation>Последняя синхронизация:</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>Поле</translation>
    </message>
    <message>
        <source>Shop</source>
        <translation>Магазин</translation>
    </message>
    <message>
        <source>Bitrix24</source>
        <translation>Битрикс24</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Владелец</translation>
    </message>
    <message numerus="yes">
        <source>≠ marks the %n field(s) that differ.</source>
        <translation>
            <numerusform>≠ отмечает %Ln поле, которое различается.</numerusform>
            <numerusform>≠ отмечает %Ln поля, которые различаются.</numerusform>
            <numerusform>≠ отмечает %Ln полей, которые различаются.</numerusform>
        </translation>
    </message>
    <message>
        <source>Last change</source>
        <translation>Последнее изменение</translation>
    </message>
    <message>
        <source>Duplicates</source>
        <translation>Дубликаты</translation>
    </message>
    <message>
        <source>Shared with other records (left alone)</source>
        <translation>Общие с другими записями (не трогаем)</translation>
    </message>
    <message>
        <source>Bitrix24 records {ids} matched by {how}{value}</source>
        <translation>записи Битрикс24 {ids} совпадают по признаку «{how}»{value}</translation>
    </message>
    <message>
        <source>Job history</source>
        <translation>История заданий</translation>
    </message>
    <message>
        <source>loading…</source>
        <translation>загрузка…</translation>
    </message>
    <message>
        <source>No jobs for this record yet.</source>
        <translation>Для этой записи заданий ещё не было.</translation>
    </message>
    <message>
        <source>Hide technical details</source>
        <translation>Скрыть технические подробности</translation>
    </message>
    <message>
        <source>Show technical details</source>
        <translation>Показать технические подробности</translation>
    </message>
</context>
<context>
    <name>Field</name>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Сумма</translation>
    </message>
    <message>
        <source>Currency</source>
        <translation>Валюта</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>Стадия</translation>
    </message>
    <message>
        <source>Pipeline</source>
        <translation>Воронка</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Контакт</translation>
    </message>
    <message>
        <source>Company</source>
        <translation>Компания</translation>
    </message>
    <message>
        <source>External source</source>
        <translation>Внешний источник</translation>
    </message>
    <message>
        <source>ID in the external source</source>
        <translation>ID во внешнем источнике</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Дата создания</translation>
    </message>
    <message>
        <source>Modified</source>
        <translation>Дата изменения</translation>
    </message>
    <message>
        <source>First name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <source>Middle name</source>
        <translation>Отчество</translation>
    </message>
    <message>
        <source>Last name</source>
        <translation>Фамилия</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Телефон</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>Комментарий</translation>
    </message>
</context>
<context>
    <name>JobEvent</name>
    <message>
        <source>queued</source>
        <translation>поставлено в очередь</translation>
    </message>
    <message>
        <source>joined with a newer job</source>
        <translation>объединено с более новым заданием</translation>
    </message>
    <message>
        <source>picked up</source>
        <translation>взято в работу</translation>
    </message>
    <message>
        <source>sending</source>
        <translation>отправляется</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>отправлено</translation>
    </message>
    <message>
        <source>existing record adopted</source>
        <translation>привязана существующая запись</translation>
    </message>
    <message>
        <source>done</source>
        <translation>выполнено</translation>
    </message>
    <message>
        <source>changed again: runs once more</source>
        <translation>изменилось снова: выполнится ещё раз</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>ошибка</translation>
    </message>
    <message>
        <source>in doubt</source>
        <translation>результат неизвестен</translation>
    </message>
    <message>
        <source>settled by a person</source>
        <translation>решено сотрудником</translation>
    </message>
    <message>
        <source>gave up</source>
        <translation>попытки исчерпаны</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>отменено</translation>
    </message>
    <message>
        <source>retried</source>
        <translation>повторено</translation>
    </message>
    <message>
        <source>runner stopped: picked up again</source>
        <translation>обработчик остановился: взято заново</translation>
    </message>
    <message>
        <source>closed: the record is in sync</source>
        <translation>закрыто: запись синхронизирована</translation>
    </message>
    <message>
        <source>superseded by a newer change</source>
        <translation>заменено более новым изменением</translation>
    </message>
</context>
<context>
    <name>JobKind</name>
    <message>
        <source>Create deal</source>
        <translation>Создать сделку</translation>
    </message>
    <message>
        <source>Update deal</source>
        <translation>Обновить сделку</translation>
    </message>
    <message>
        <source>Merge duplicate deals</source>
        <translation>Объединить дубликаты сделок</translation>
    </message>
    <message>
        <source>Re-link deal</source>
        <translation>Перепривязать сделку</translation>
    </message>
    <message>
        <source>Pull deal change into the shop</source>
        <translation>Перенести изменение сделки в магазин</translation>
    </message>
    <message>
        <source>Create contact</source>
        <translation>Создать контакт</translation>
    </message>
    <message>
        <source>Update contact</source>
        <translation>Обновить контакт</translation>
    </message>
    <message>
        <source>Merge duplicate contacts</source>
        <translation>Объединить дубликаты контактов</translation>
    </message>
    <message>
        <source>Re-link contact</source>
        <translation>Перепривязать контакт</translation>
    </message>
    <message>
        <source>Pull contact change into the shop</source>
        <translation>Перенести изменение контакта в магазин</translation>
    </message>
    <message>
        <source>Create company</source>
        <translation>Создать компанию</translation>
    </message>
    <message>
        <source>Update company</source>
        <translation>Обновить компанию</translation>
    </message>
    <message>
        <source>Merge duplicate companies</source>
        <translation>Объединить дубликаты компаний</translation>
    </message>
    <message>
        <source>Re-link company</source>
        <translation>Перепривязать компанию</translation>
    </message>
    <message>
        <source>Pull company change into the shop</source>
        <translation>Перенести изменение компании в магазин</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Orders</source>
        <translation>Заказы</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Пользователи</translation>
    </message>
    <message>
        <source>Companies</source>
        <translation>Компании</translation>
    </message>
    <message>
        <source>{app} — demo</source>
        <translation>{app} — демо</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>Обзор</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>Очередь</translation>
    </message>
    <message>
        <source>Activity</source>
        <translation>Журнал</translation>
    </message>
    <message>
        <source>Runners</source>
        <translation>Обработчики</translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>Архив</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>Настройки…</translation>
    </message>
    <message>
        <source>Open demo</source>
        <translation>Открыть демо</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Главная</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Обновить</translation>
    </message>
    <message>
        <source>Check everything</source>
        <translation>Проверить всё</translation>
    </message>
    <message>
        <source>Read the whole shop and every record in Bitrix24 again, not only what changed</source>
        <translation>Заново прочитать весь магазин и все записи в Битрикс24, а не только изменённое</translation>
    </message>
    <message>
        <source>Sync everything that needs it</source>
        <translation>Синхронизировать всё, что требуется</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>Экспорт в CSV…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Выход</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
</context>
<context>
    <name>Match</name>
    <message>
        <source>origin id</source>
        <translation>ID во внешнем источнике</translation>
    </message>
    <message>
        <source>title</source>
        <translation>название</translation>
    </message>
    <message>
        <source>title pattern</source>
        <translation>шаблон названия</translation>
    </message>
    <message>
        <source>e-mail</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>phone</source>
        <translation>телефон</translation>
    </message>
    <message>
        <source>stored id</source>
        <translation>сохранённый ID</translation>
    </message>
    <message>
        <source>shared link</source>
        <translation>общая ссылка</translation>
    </message>
    <message>
        <source>another integration</source>
        <translation>другая интеграция</translation>
    </message>
    <message>
        <source>shared with another integration</source>
        <translation>общая с другой интеграцией</translation>
    </message>
</context>
<context>
    <name>Message</name>
    <message>
        <source>Bitrix24 refused {method}: too many requests (rate limit)</source>
        <translation>Битрикс24 отклонил {method}: слишком много запросов (лимит запросов)</translation>
    </message>
    <message>
        <source>another application may share this portal&apos;s request limit; try again later</source>
        <translation>лимит запросов этого портала может расходовать другое приложение; повторите позже</translation>
    </message>
    <message>
        <source>Bitrix24 blocked {method} for a while: operating-time limit reached</source>
        <translation>Битрикс24 временно заблокировал {method}: исчерпан лимит времени выполнения</translation>
    </message>
    <message>
        <source>the portal lifts it within 10 minutes; queued work resumes then</source>
        <translation>портал снимет блокировку в течение 10 минут; тогда задания в очереди продолжатся</translation>
    </message>
    <message>
        <source>Bitrix24 REST API is blocked on this portal due to overload{status}</source>
        <translation>REST API Битрикс24 на этом портале заблокирован из-за перегрузки{status}</translation>
    </message>
    <message>
        <source>this needs Bitrix24 support; retrying will not help</source>
        <translation>нужна техподдержка Битрикс24; повторные попытки не помогут</translation>
    </message>
    <message>
        <source>Bitrix24 refused the webhook: {text}{status}</source>
        <translation>Битрикс24 не принял вебхук: {text}{status}</translation>
    </message>
    <message>
        <source>check the webhook URL in the settings; create a new webhook in Bitrix24 if needed</source>
        <translation>проверьте адрес вебхука в настройках; при необходимости создайте в Битрикс24 новый вебхук</translation>
    </message>
    <message>
        <source>give the webhook the crm scope in Bitrix24 (Developer resources &gt; Webhooks)</source>
        <translation>дайте вебхуку право crm в Битрикс24 (Разработчикам &gt; Вебхуки)</translation>
    </message>
    <message>
        <source>REST needs a commercial Bitrix24 plan, and the webhook owner needs CRM access</source>
        <translation>REST доступен на коммерческих тарифах Битрикс24, а владельцу вебхука нужен доступ к CRM</translation>
    </message>
    <message>
        <source>the portal requires https://</source>
        <translation>портал требует https://</translation>
    </message>
    <message>
        <source>create a new webhook in Bitrix24 and paste its URL in the settings</source>
        <translation>создайте в Битрикс24 новый вебхук и вставьте его адрес в настройках</translation>
    </message>
    <message>
        <source>Bitrix24 does not know the method {method}{status}</source>
        <translation>Битрикс24 не знает метод {method}{status}</translation>
    </message>
    <message>
        <source>{method}: {text}</source>
        <translation>{method}: {text}</translation>
    </message>
    <message>
        <source>Bitrix24 server error in {method}: {text}{status}</source>
        <translation>Ошибка сервера Битрикс24 в {method}: {text}{status}</translation>
    </message>
    <message>
        <source>Bitrix24 refused {method}: {text}{status}</source>
        <translation>Битрикс24 отклонил {method}: {text}{status}</translation>
    </message>
    <message>
        <source>{method} is paused for {seconds} s: its operating-time budget on the portal is spent</source>
        <translation>{method} приостановлен на {seconds} с: его лимит времени выполнения на портале исчерпан</translation>
    </message>
    <message>
        <source>The CA bundle {path} cannot be used: {error}</source>
        <translation>Набор сертификатов CA {path} нельзя использовать: {error}</translation>
    </message>
    <message>
        <source>[portal] ca_bundle must name a PEM file</source>
        <translation>[portal] ca_bundle должен указывать на файл PEM</translation>
    </message>
    <message>
        <source>No answer from {where} to {method} in time</source>
        <translation>{where} не ответил на {method} вовремя</translation>
    </message>
    <message>
        <source>The connection to {where} broke during {method}: {error}</source>
        <translation>Соединение с {where} оборвалось во время {method}: {error}</translation>
    </message>
    <message>
        <source>Unexpected redirect (HTTP {status}) from the portal</source>
        <translation>Неожиданное перенаправление (HTTP {status}) от портала</translation>
    </message>
    <message>
        <source>The portal sent an HTML page to {method} (HTTP {status})</source>
        <translation>Портал прислал HTML-страницу в ответ на {method} (HTTP {status})</translation>
    </message>
    <message>
        <source>The portal sent an unreadable answer to {method} (HTTP {status})</source>
        <translation>Портал прислал нечитаемый ответ на {method} (HTTP {status})</translation>
    </message>
    <message>
        <source>The portal sent an empty answer to {method} (HTTP {status})</source>
        <translation>Портал прислал пустой ответ на {method} (HTTP {status})</translation>
    </message>
    <message>
        <source>The portal&apos;s answer to {method} is not a JSON object (HTTP {status})</source>
        <translation>Ответ портала на {method} — не объект JSON (HTTP {status})</translation>
    </message>
    <message>
        <source>The portal&apos;s answer to {method} has no result (HTTP {status})</source>
        <translation>В ответе портала на {method} нет result (HTTP {status})</translation>
    </message>
    <message>
        <source>The portal answered {method} with HTTP {status} but no error code</source>
        <translation>Портал ответил на {method} с HTTP {status}, но без кода ошибки</translation>
    </message>
    <message>
        <source>The portal&apos;s answer to {method} is not a record</source>
        <translation>Ответ портала на {method} — не запись</translation>
    </message>
    <message>
        <source>The portal&apos;s answer to {method} is not a list of records</source>
        <translation>Ответ портала на {method} — не список записей</translation>
    </message>
    <message>
        <source>The portal&apos;s answer to {method} has a record whose ID is {value}</source>
        <translation>В ответе портала на {method} есть запись с ID {value}</translation>
    </message>
    <message>
        <source>The portal&apos;s answer to {method} is {value}, not a new record id</source>
        <translation>Ответ портала на {method} — {value}, а не ID новой записи</translation>
    </message>
    <message>
        <source>The portal&apos;s answer to {method} has no STATUS</source>
        <translation>В ответе портала на {method} нет STATUS</translation>
    </message>
    <message>
        <source>{method} {id} was refused without a reason</source>
        <translation>{method} {id} отклонён без объяснения причины</translation>
    </message>
    <message>
        <source>{method} may or may not have been executed: {error}</source>
        <translation>неизвестно, выполнен ли {method}: {error}</translation>
    </message>
    <message>
        <source>{method} (in a batch): {error}</source>
        <translation>{method} (в пакете): {error}</translation>
    </message>
    <message>
        <source>{method} (in a batch) may or may not have been executed: {error}</source>
        <translation>неизвестно, выполнен ли {method} (в пакете): {error}</translation>
    </message>
    <message>
        <source>{method} (in a batch) was not executed</source>
        <translation>{method} (в пакете) не выполнен</translation>
    </message>
    <message>
        <source>{method} page was not executed</source>
        <translation>страница {method} не выполнена</translation>
    </message>
    <message>
        <source>{method} (its count) was not executed</source>
        <translation>{method} (подсчёт) не выполнен</translation>
    </message>
    <message>
        <source>{method} (changes since {since}) was not executed</source>
        <translation>{method} (изменения с {since}) не выполнен</translation>
    </message>
    <message>
        <source>{method} (@ID) was not executed</source>
        <translation>{method} (@ID) не выполнен</translation>
    </message>
    <message>
        <source>The portal&apos;s answer to batch has no sections</source>
        <translation>В ответе портала на batch нет разделов</translation>
    </message>
    <message>
        <source>The portal&apos;s batch answer does not match the commands sent</source>
        <translation>Ответ портала на пакет не соответствует отправленным командам</translation>
    </message>
    <message>
        <source>The portal&apos;s batch answer has a malformed section</source>
        <translation>В ответе портала на пакет есть повреждённый раздел</translation>
    </message>
    <message>
        <source>The webhook URL is empty</source>
        <translation>URL вебхука пуст</translation>
    </message>
    <message>
        <source>The webhook URL has no scheme (https://)</source>
        <translation>В URL вебхука нет схемы (https://)</translation>
    </message>
    <message>
        <source>The webhook URL is not a valid URL (bad host or port)</source>
        <translation>URL вебхука недопустим (неверный хост или порт)</translation>
    </message>
    <message>
        <source>The webhook URL must start with https://, not {scheme}://</source>
        <translation>URL вебхука должен начинаться с https://, а не с {scheme}://</translation>
    </message>
    <message>
        <source>The webhook URL must not contain a user name or password before the host</source>
        <translation>URL вебхука не должен содержать имя пользователя или пароль перед хостом</translation>
    </message>
    <message>
        <source>The webhook URL has no portal host</source>
        <translation>В URL вебхука нет хоста портала</translation>
    </message>
    <message>
        <source>The webhook URL for {host} uses plain http://; Bitrix24 requires https://</source>
        <translation>URL вебхука для {host} использует простой http://; Битрикс24 требует https://</translation>
    </message>
    <message>
        <source>plain http is only accepted for a portal on this machine (127.0.0.1, ::1, localhost)</source>
        <translation>простой http допускается только для портала на этом компьютере (127.0.0.1, ::1, localhost)</translation>
    </message>
    <message>
        <source>The webhook URL for {host} must not have a query (?...) or fragment (#...)</source>
        <translation>URL вебхука для {host} не должен содержать параметры запроса (?...) или фрагмент (#...)</translation>
    </message>
    <message>
        <source>The webhook URL for {host} has no /rest/ path</source>
        <translation>В URL вебхука для {host} нет пути /rest/</translation>
    </message>
    <message>
        <source>The webhook URL for {host} has no user id after /rest/</source>
        <translation>В URL вебхука для {host} нет ID пользователя после /rest/</translation>
    </message>
    <message>
        <source>The webhook URL for {host} has a user id that is not a positive number after /rest/</source>
        <translation>В URL вебхука для {host} после /rest/ стоит ID пользователя, который не является положительным числом</translation>
    </message>
    <message>
        <source>The webhook URL for {host} has no secret after the user id</source>
        <translation>В URL вебхука для {host} нет секрета после ID пользователя</translation>
    </message>
    <message>
        <source>The webhook URL for {host} has a secret with characters a webhook secret never has</source>
        <translation>В URL вебхука для {host} секрет содержит символы, которых в секрете вебхука не бывает</translation>
    </message>
    <message>
        <source>The webhook URL for {host} has extra path after the secret (a method name?)</source>
        <translation>В URL вебхука для {host} после секрета есть лишний путь (имя метода?)</translation>
    </message>
    <message>
        <source>use the URL only up to /rest/USER_ID/SECRET/</source>
        <translation>используйте URL только до /rest/USER_ID/SECRET/</translation>
    </message>
    <message>
        <source>expected https://PORTAL/rest/USER_ID/SECRET/ (copy it from Bitrix24: Developer resources &gt; Webhooks)</source>
        <translation>ожидается https://PORTAL/rest/USER_ID/SECRET/ (скопируйте его в Битрикс24: Разработчикам &gt; Вебхуки)</translation>
    </message>
    <message>
        <source>Cannot connect to {where}: {text}</source>
        <translation>Не удалось подключиться к {where}: {text}</translation>
    </message>
    <message>
        <source>check the network and the portal address</source>
        <translation>проверьте сеть и адрес портала</translation>
    </message>
    <message>
        <source>the portal&apos;s TLS certificate is not trusted; set [portal] ca_bundle if a proxy re-signs TLS</source>
        <translation>сертификату TLS портала нет доверия; укажите [portal] ca_bundle, если прокси подменяет сертификаты</translation>
    </message>
    <message>
        <source>The portal moved to {where} (HTTP {status}); update the webhook URL</source>
        <translation>Портал переехал на {where} (HTTP {status}); обновите адрес вебхука</translation>
    </message>
    <message>
        <source>The shop database {where} refused the user name or password</source>
        <translation>База данных магазина {where} не приняла имя пользователя или пароль</translation>
    </message>
    <message>
        <source>check the user and the password stored in the keyring or BITRIX_MONITOR_SHOP_PASSWORD</source>
        <translation>проверьте пользователя и пароль в хранилище паролей или в BITRIX_MONITOR_SHOP_PASSWORD</translation>
    </message>
    <message>
        <source>The shop database {where} does not exist</source>
        <translation>Базы данных магазина {where} не существует</translation>
    </message>
    <message>
        <source>Cannot reach the shop database server {where}</source>
        <translation>Сервер базы данных магазина {where} недоступен</translation>
    </message>
    <message>
        <source>is the server running, and are host and port right?</source>
        <translation>запущен ли сервер, верны ли адрес и порт?</translation>
    </message>
    <message>
        <source>The connection to the shop database {where} was lost while {what}</source>
        <translation>Соединение с базой данных магазина {where} прервалось (операция: {what})</translation>
    </message>
    <message>
        <source>Permission denied while {what} ({detail})</source>
        <translation>Недостаточно прав (операция: {what}; {detail})</translation>
    </message>
    <message>
        <source>see README, &quot;Shop database access and least privilege&quot;</source>
        <translation>см. README, раздел &quot;Shop database access and least privilege&quot;</translation>
    </message>
    <message>
        <source>The shop database {where} failed while {what}: {detail}</source>
        <translation>Ошибка базы данных магазина {where} (операция: {what}): {detail}</translation>
    </message>
    <message>
        <source>Permission denied: the shop database user may not read the {shop_entities} table {table}</source>
        <translation>Недостаточно прав: пользователь базы данных магазина не может читать таблицу {shop_entities} {table}</translation>
    </message>
    <message>
        <source>Permission denied: the shop database user may not read the link table {table}</source>
        <translation>Недостаточно прав: пользователь базы данных магазина не может читать таблицу связей {table}</translation>
    </message>
    <message>
        <source>Permission denied: the shop database user may not INSERT into the link table {table}</source>
        <translation>Недостаточно прав: пользователь базы данных магазина не может выполнять INSERT в таблицу связей {table}</translation>
    </message>
    <message>
        <source>Permission denied: the shop database user may not DELETE from the link table {table}</source>
        <translation>Недостаточно прав: пользователь базы данных магазина не может выполнять DELETE в таблице связей {table}</translation>
    </message>
    <message>
        <source>Permission denied: the shop database user may not UPDATE column {column}</source>
        <translation>Недостаточно прав: пользователь базы данных магазина не может выполнять UPDATE столбца {column}</translation>
    </message>
    <message>
        <source>Permission denied: the shop database user may not use the sequence {sequence} that numbers {column}</source>
        <translation>Недостаточно прав: пользователь базы данных магазина не может использовать последовательность {sequence}, которая нумерует {column}</translation>
    </message>
    <message>
        <source>GRANT USAGE ON SEQUENCE {sequence} TO the app&apos;s user; {readme}</source>
        <translation>выдайте пользователю приложения GRANT USAGE ON SEQUENCE {sequence}; {readme}</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>подключение</translation>
    </message>
    <message>
        <source>checking the connection</source>
        <translation>проверка соединения</translation>
    </message>
    <message>
        <source>reading {shop_entities}</source>
        <translation>чтение {shop_entities}</translation>
    </message>
    <message>
        <source>writing {shop_entities}</source>
        <translation>запись данных {shop_entities}</translation>
    </message>
    <message>
        <source>taking a lock</source>
        <translation>установка блокировки</translation>
    </message>
    <message>
        <source>releasing a lock</source>
        <translation>снятие блокировки</translation>
    </message>
    <message>
        <source>The shop database URL is not a valid URL</source>
        <translation>URL базы данных магазина недопустим</translation>
    </message>
    <message>
        <source>The shop database URL has a port that is not a number</source>
        <translation>В URL базы данных магазина порт указан не числом</translation>
    </message>
    <message>
        <source>The shop database URL has port {port}, outside 1-65535</source>
        <translation>В URL базы данных магазина указан порт {port}, вне диапазона 1–65535</translation>
    </message>
    <message>
        <source>The shop database URL has an unescaped &apos;@&apos; (in the password?)</source>
        <translation>В URL базы данных магазина есть неэкранированный символ &apos;@&apos; (в пароле?)</translation>
    </message>
    <message>
        <source>write &apos;@&apos; in a password as %40, or better keep the password in the keyring or BITRIX_MONITOR_SHOP_PASSWORD</source>
        <translation>в пароле пишите &apos;@&apos; как %40, а лучше храните пароль в хранилище паролей или в BITRIX_MONITOR_SHOP_PASSWORD</translation>
    </message>
    <message>
        <source>Shop databases of type {backend} are not supported</source>
        <translation>Базы данных магазина типа {backend} не поддерживаются</translation>
    </message>
    <message>
        <source>use sqlite:///, postgresql:// or mysql:// (MariaDB)</source>
        <translation>используйте sqlite:///, postgresql:// или mysql:// (MariaDB)</translation>
    </message>
    <message>
        <source>The shop database file {path} does not exist</source>
        <translation>Файла базы данных магазина {path} не существует</translation>
    </message>
    <message>
        <source>No database driver for {driver}: it cannot be loaded</source>
        <translation>Нет драйвера базы данных для {driver}: его не удалось загрузить</translation>
    </message>
    <message>
        <source>No database driver for {driver}: no such driver is known</source>
        <translation>Нет драйвера базы данных для {driver}: такой драйвер неизвестен</translation>
    </message>
    <message>
        <source>Cannot create the lock file {path}: {error}</source>
        <translation>Не удалось создать файл блокировки {path}: {error}</translation>
    </message>
    <message>
        <source>the app needs write access to the shop database&apos;s folder</source>
        <translation>приложению нужен доступ на запись в папку базы данных магазина</translation>
    </message>
    <message>
        <source>Locks need a SQLite database file, not an in-memory database</source>
        <translation>Для блокировок нужен файл базы данных, а не база данных в памяти</translation>
    </message>
    <message>
        <source>{value} is not written to a boolean column</source>
        <translation>{value} нельзя записать в логический столбец</translation>
    </message>
    <message>
        <source>{value} is not a number</source>
        <translation>{value} не является числом</translation>
    </message>
    <message>
        <source>{value} is not a whole number</source>
        <translation>{value} не является целым числом</translation>
    </message>
    <message>
        <source>{value} is longer than the column&apos;s {length} characters</source>
        <translation>{value} длиннее, чем вмещает столбец (символов: {length})</translation>
    </message>
    <message>
        <source>not an id: {value}</source>
        <translation>недопустимый ID: {value}</translation>
    </message>
    <message>
        <source>the shop maps no {shop_entities}</source>
        <translation>в настройках магазина не сопоставлена таблица {shop_entities}</translation>
    </message>
    <message>
        <source>The database already has the table(s) {tables}</source>
        <translation>В базе данных уже есть таблицы: {tables}</translation>
    </message>
    <message>
        <source>its key is empty</source>
        <translation>ключ пустой</translation>
    </message>
    <message>
        <source>stored {entity} id {value} is not an id</source>
        <translation>сохранённый ID ({entity}) {value} не является ID</translation>
    </message>
    <message>
        <source>the link table holds two {entity} ids for it ({ids})</source>
        <translation>в таблице связей для неё два ID ({entity}: {ids})</translation>
    </message>
    <message>
        <source>its key {key} cannot be stored in the integer column {column}</source>
        <translation>её ключ {key} нельзя сохранить в целочисленном столбце {column}</translation>
    </message>
    <message>
        <source>amount {value} is not a number</source>
        <translation>сумма {value} не является числом</translation>
    </message>
    <message>
        <source>amount {value} is not a finite number</source>
        <translation>сумма {value} не является конечным числом</translation>
    </message>
    <message>
        <source>amount {value} is out of range (at most 16 digits before the point)</source>
        <translation>сумма {value} вне допустимого диапазона (не больше 16 цифр до запятой)</translation>
    </message>
    <message>
        <source>No shop database is configured</source>
        <translation>База данных магазина не настроена</translation>
    </message>
    <message>
        <source>set [shop] url in the config, pass --shop-db URL, or set BITRIX_MONITOR_SHOP_DB</source>
        <translation>укажите [shop] url в настройках, передайте --shop-db URL или задайте BITRIX_MONITOR_SHOP_DB</translation>
    </message>
    <message>
        <source>No Bitrix24 webhook is configured</source>
        <translation>Вебхук Bitrix24 не настроен</translation>
    </message>
    <message>
        <source>save it in the settings (it goes to the keyring), pass --portal URL, or set BITRIX_MONITOR_PORTAL</source>
        <translation>сохраните его в настройках (он попадёт в хранилище паролей системы), передайте --portal URL или задайте BITRIX_MONITOR_PORTAL</translation>
    </message>
    <message>
        <source>There is no display to open the window on</source>
        <translation>Нет экрана, на котором можно открыть окно</translation>
    </message>
    <message>
        <source>run it in a desktop session, or use the headless modes --sync and --report (--demo works too)</source>
        <translation>запустите программу в сеансе рабочего стола или используйте режимы без окна --sync и --report (--demo тоже работает)</translation>
    </message>
    <message>
        <source>Qt cannot open a window on this X11 desktop: the system lacks {libraries}</source>
        <translation>Qt не может открыть окно на этом рабочем столе X11: в системе нет {libraries}</translation>
    </message>
    <message>
        <source>install them with: {command}</source>
        <translation>установите их командой: {command}</translation>
    </message>
    <message>
        <source>none</source>
        <translation>нет</translation>
    </message>
    <message>
        <source>nothing</source>
        <translation>ничего</translation>
    </message>
    <message>
        <source>the config</source>
        <translation>файл настроек</translation>
    </message>
    <message>
        <source>e.g. {example}</source>
        <translation>например, {example}</translation>
    </message>
    <message>
        <source>{where} {name} = {value}: use &quot;shop&quot;, &quot;crm&quot; or &quot;both&quot;</source>
        <translation>{where} {name} = {value}: укажите &quot;shop&quot;, &quot;crm&quot; или &quot;both&quot;</translation>
    </message>
    <message>
        <source>&quot;shop&quot;: sent to the CRM only; &quot;crm&quot;: taken from the CRM only; &quot;both&quot;: either side</source>
        <translation>&quot;shop&quot;: только отправляется в CRM; &quot;crm&quot;: только берётся из CRM; &quot;both&quot;: в обе стороны</translation>
    </message>
    <message>
        <source>{where} {name} is not a CRM field name</source>
        <translation>{where} {name} не является именем поля CRM</translation>
    </message>
    <message>
        <source>{where} {name} = &quot;{owner}&quot;: {name} is not a field taken from one shop column, so it can only be &quot;shop&quot; (sent to the CRM); fields the CRM may change here: {which}</source>
        <translation>{where} {name} = &quot;{owner}&quot;: {name} не берётся из одного столбца магазина, поэтому допустимо только &quot;shop&quot; (отправляется в CRM); поля, которые здесь может менять CRM: {which}</translation>
    </message>
    <message>
        <source>remove {name} from {where}, or map it to a column</source>
        <translation>уберите {name} из {where} или сопоставьте его со столбцом</translation>
    </message>
    <message>
        <source>{where}: {stage} = {status}: both sides must be non-empty</source>
        <translation>{where}: {stage} = {status}: обе стороны должны быть непустыми</translation>
    </message>
    <message>
        <source>{where}: {stage} = {status}, but stage_map sends {status} as {sent}: a deal moved to it in the CRM would be moved again</source>
        <translation>{where}: {stage} = {status}, но stage_map отправляет {status} как {sent}: сделку, перемещённую в неё в CRM, переместило бы снова</translation>
    </message>
    <message>
        <source>add &quot;{status_text}&quot; = &quot;{stage_text}&quot; to stage_map, or map {stage} to a status that stage_map sends as it</source>
        <translation>добавьте &quot;{status_text}&quot; = &quot;{stage_text}&quot; в stage_map или сопоставьте {stage} со статусом, который stage_map отправляет как эту стадию</translation>
    </message>
    <message>
        <source>[portal] plan: {text} is not a rate plan</source>
        <translation>[portal] plan: {text} не является тарифом</translation>
    </message>
    <message>
        <source>use &quot;standard&quot;, &quot;enterprise&quot; or &quot;burst=X,drain=Y&quot; with X &gt;= 1 and Y &gt; 0</source>
        <translation>укажите &quot;standard&quot;, &quot;enterprise&quot; или &quot;burst=X,drain=Y&quot;, где X &gt;= 1 и Y &gt; 0</translation>
    </message>
    <message>
        <source>[portal] plan: {text} is outside what a portal allows</source>
        <translation>[portal] plan: {text} выходит за пределы того, что допускает портал</translation>
    </message>
    <message>
        <source>burst from {burst_low} to {burst_high}, drain from {drain_low} to {drain_high} requests a second</source>
        <translation>burst от {burst_low} до {burst_high}, drain от {drain_low} до {drain_high} запросов в секунду</translation>
    </message>
    <message>
        <source>{where} must be a table, not {type}</source>
        <translation>{where}: должна быть таблица, а не {type}</translation>
    </message>
    <message>
        <source>{where} unknown key {key}</source>
        <translation>{where}: неизвестный ключ {key}</translation>
    </message>
    <message>
        <source>known keys: {keys}</source>
        <translation>известные ключи: {keys}</translation>
    </message>
    <message>
        <source>{where} {key} must be a table of strings (key = &quot;value&quot;)</source>
        <translation>{where} {key} должен быть таблицей строк (key = &quot;value&quot;)</translation>
    </message>
    <message>
        <source>{key} must be a table of strings (key = &quot;value&quot;)</source>
        <translation>{key} должен быть таблицей строк (key = &quot;value&quot;)</translation>
    </message>
    <message>
        <source>{where} {key}: {name} = {value} is a {type}, not text</source>
        <translation>{where} {key}: {name} = {value} имеет тип {type}, а не текст</translation>
    </message>
    <message>
        <source>{where} {key} must be a {expected}, not {type}</source>
        <translation>{where} {key} должен иметь тип {expected}, а не {type}</translation>
    </message>
    <message>
        <source>{where} has an empty field name</source>
        <translation>{where}: пустое имя поля</translation>
    </message>
    <message>
        <source>write it {name}: the portal matches field names exactly and drops others silently</source>
        <translation>напишите {name}: портал сравнивает имена полей точно и молча отбрасывает остальные</translation>
    </message>
    <message>
        <source>a CRM field name such as COMMENTS or UF_CRM_SHOP_ID (A-Z, 0-9 and _)</source>
        <translation>имя поля CRM, например COMMENTS или UF_CRM_SHOP_ID (A-Z, 0-9 и _)</translation>
    </message>
    <message>
        <source>{where} {name}: the app already sends {name} from [shop.{section}]</source>
        <translation>{where} {name}: приложение уже отправляет {name} из [shop.{section}]</translation>
    </message>
    <message>
        <source>map it there; {where} is for other fields such as COMMENTS or UF_CRM_*</source>
        <translation>сопоставьте его там; {where} — для других полей, например COMMENTS или UF_CRM_*</translation>
    </message>
    <message>
        <source>{where} {name} is empty</source>
        <translation>{where} {name} пустое</translation>
    </message>
    <message>
        <source>a column name or a template such as {example}</source>
        <translation>имя столбца или шаблон, например {example}</translation>
    </message>
    <message>
        <source>[portal] originator must not contain $result, $next, $total, $time or $error (the portal would substitute it inside a batch)</source>
        <translation>[portal] originator не должен содержать $result, $next, $total, $time или $error (портал подставил бы их внутри пакета)</translation>
    </message>
    <message>
        <source>[shop.orders] category must be a deal pipeline id (0 or more), not {value}</source>
        <translation>[shop.orders] category должен быть ID воронки сделок (0 или больше), а не {value}</translation>
    </message>
    <message>
        <source>[sync] cleanup_policy must be &quot;manual&quot; or &quot;archive&quot;</source>
        <translation>[sync] cleanup_policy должен быть &quot;manual&quot; или &quot;archive&quot;</translation>
    </message>
    <message>
        <source>[window] language must be &quot;system&quot;, &quot;en&quot; or &quot;ru&quot;</source>
        <translation>[window] language должен быть &quot;system&quot;, &quot;en&quot; или &quot;ru&quot;</translation>
    </message>
    <message>
        <source>[queue] desk must be one line of at most {limit} printable characters, not {value}</source>
        <translation>[queue] desk должен быть одной строкой не длиннее {limit} печатных знаков, а не {value}</translation>
    </message>
    <message>
        <source>e.g. &quot;anna@office&quot;; leave it empty for your user name at this computer (user@host)</source>
        <translation>например &quot;anna@office&quot;; оставьте пустым, чтобы взять имя пользователя на этом компьютере (user@host)</translation>
    </message>
    <message>
        <source>[{section}] url contains a password; passwords belong in the keyring or {variable}</source>
        <translation>[{section}] url содержит пароль; пароли хранятся в хранилище паролей или в {variable}</translation>
    </message>
    <message>
        <source>{text} is not a duration</source>
        <translation>{text} не является длительностью</translation>
    </message>
    <message>
        <source>a number with s, m, h or d: &quot;24h&quot;, &quot;90m&quot;</source>
        <translation>число с s, m, h или d: &quot;24h&quot;, &quot;90m&quot;</translation>
    </message>
    <message>
        <source>[{section}] {key}: {error}</source>
        <translation>[{section}] {key}: {error}</translation>
    </message>
    <message>
        <source>[{section}] {key} must be a number {floor} and &lt;= {high}, not {value}</source>
        <translation>[{section}] {key} должен быть числом {floor} и &lt;= {high}, а не {value}</translation>
    </message>
    <message>
        <source>[shop.links] kind_values: {crm} is not a CRM record</source>
        <translation>[shop.links] kind_values: {crm} не является видом записи CRM</translation>
    </message>
    <message>
        <source>keys: {keys}</source>
        <translation>ключи: {keys}</translation>
    </message>
    <message>
        <source>[shop.links] kind_values: the value of {crm} is empty</source>
        <translation>[shop.links] kind_values: значение {crm} пустое</translation>
    </message>
    <message>
        <source>[shop.links] kind_values: two CRM records share one value ({values})</source>
        <translation>[shop.links] kind_values: у двух видов записей CRM одно значение ({values})</translation>
    </message>
    <message>
        <source>[{section}] {key} = {value}: only {links} may start with &apos;@&apos;</source>
        <translation>[{section}] {key} = {value}: с &apos;@&apos; может начинаться только {links}</translation>
    </message>
    <message>
        <source>a column name, or &quot;{links}&quot; for ids in the [shop.links] table</source>
        <translation>имя столбца или &quot;{links}&quot; для ID в таблице [shop.links]</translation>
    </message>
    <message>
        <source>[{section}] {key} = &quot;{links}&quot; but [shop.links] has no table</source>
        <translation>[{section}] {key} = &quot;{links}&quot;, но в [shop.links] не указана таблица</translation>
    </message>
    <message>
        <source>set [shop.links] table = &quot;…&quot; (and its kind, local_id, crm_id columns)</source>
        <translation>укажите [shop.links] table = &quot;…&quot; (и её столбцы kind, local_id, crm_id)</translation>
    </message>
    <message>
        <source>[shop.links] {key} is required and cannot be empty</source>
        <translation>[shop.links] {key} обязателен и не может быть пустым</translation>
    </message>
    <message>
        <source>[shop.users] company_ref = {value} but [shop.companies] has no table</source>
        <translation>[shop.users] company_ref = {value}, но в [shop.companies] не указана таблица</translation>
    </message>
    <message>
        <source>map [shop.companies] too, or leave company_ref out</source>
        <translation>сопоставьте и [shop.companies] или уберите company_ref</translation>
    </message>
    <message>
        <source>[shop] timezone: {name} is not a known time zone</source>
        <translation>[shop] timezone: {name} — неизвестный часовой пояс</translation>
    </message>
    <message>
        <source>an IANA name such as &quot;Europe/Moscow&quot; or &quot;UTC&quot;; leave it out for this machine&apos;s zone</source>
        <translation>имя IANA, например &quot;Europe/Moscow&quot; или &quot;UTC&quot;; не указывайте, чтобы взять пояс этого компьютера</translation>
    </message>
    <message>
        <source>Config file {path} {problem}</source>
        <translation>Файл настроек {path} {problem}</translation>
    </message>
    <message>
        <source>Config file {path} does not exist</source>
        <translation>Файл настроек {path} не существует</translation>
    </message>
    <message>
        <source>Cannot read config file {path}: {error}</source>
        <translation>Не удаётся прочитать файл настроек {path}: {error}</translation>
    </message>
    <message>
        <source>Config file {path} is not UTF-8 text</source>
        <translation>Файл настроек {path} не является текстом в UTF-8</translation>
    </message>
    <message>
        <source>Config file {path} is not valid TOML: {error}</source>
        <translation>Файл настроек {path} не является корректным TOML: {error}</translation>
    </message>
    <message>
        <source>{path}: {error}</source>
        <translation>{path}: {error}</translation>
    </message>
    <message>
        <source>is a FIFO, not a regular file</source>
        <translation>— это FIFO, а не обычный файл</translation>
    </message>
    <message>
        <source>is a directory, not a regular file</source>
        <translation>— это папка, а не обычный файл</translation>
    </message>
    <message>
        <source>is a socket, not a regular file</source>
        <translation>— это сокет, а не обычный файл</translation>
    </message>
    <message>
        <source>is a device, not a regular file</source>
        <translation>— это устройство, а не обычный файл</translation>
    </message>
    <message>
        <source>Permission denied</source>
        <translation>доступ запрещён</translation>
    </message>
    <message>
        <source>Read-only file system</source>
        <translation>файловая система доступна только для чтения</translation>
    </message>
    <message>
        <source>No space left on device</source>
        <translation>на диске не осталось места</translation>
    </message>
    <message>
        <source>No such file or directory</source>
        <translation>нет такого файла или папки</translation>
    </message>
    <message>
        <source>Is a directory</source>
        <translation>это папка, а не файл</translation>
    </message>
    <message>
        <source>Not a directory</source>
        <translation>часть пути — не папка</translation>
    </message>
    <message>
        <source>Disk quota exceeded</source>
        <translation>превышена дисковая квота</translation>
    </message>
    <message>
        <source>File name too long</source>
        <translation>слишком длинное имя файла</translation>
    </message>
    <message>
        <source>File too large</source>
        <translation>файл слишком велик</translation>
    </message>
    <message>
        <source>Input/output error</source>
        <translation>ошибка ввода-вывода</translation>
    </message>
    <message>
        <source>Cannot write {path}: {error}</source>
        <translation>Не удалось записать {path}: {error}</translation>
    </message>
    <message>
        <source>{where} is empty</source>
        <translation>{where} пусто</translation>
    </message>
    <message>
        <source>{where} = {template}: {error}</source>
        <translation>{where} = {template}: {error}</translation>
    </message>
    <message>
        <source>write a literal brace as {open} or {close}</source>
        <translation>буквальную фигурную скобку пишите как {open} или {close}</translation>
    </message>
    <message>
        <source>{where} = {template}: {bad} is not allowed</source>
        <translation>{where} = {template}: {bad} не допускается</translation>
    </message>
    <message>
        <source>placeholders are {example} only</source>
        <translation>подстановки — только {example}</translation>
    </message>
    <message>
        <source>an empty placeholder {braces}</source>
        <translation>пустая подстановка {braces}</translation>
    </message>
    <message>
        <source>a positional placeholder</source>
        <translation>позиционная подстановка</translation>
    </message>
    <message>
        <source>attribute or index access</source>
        <translation>обращение к атрибуту или индексу</translation>
    </message>
    <message>
        <source>a conversion (!)</source>
        <translation>преобразование (!)</translation>
    </message>
    <message>
        <source>a format spec (:)</source>
        <translation>спецификация формата (:)</translation>
    </message>
    <message>
        <source>Single {brace} encountered in format string</source>
        <translation>одиночная скобка {brace} в шаблоне</translation>
    </message>
    <message>
        <source>expected {brace} before end of string</source>
        <translation>до конца строки нет закрывающей скобки {brace}</translation>
    </message>
    <message>
        <source>unmatched {brace} in format spec</source>
        <translation>непарная скобка {brace} в спецификации формата</translation>
    </message>
    <message>
        <source>end of string while looking for conversion specifier</source>
        <translation>строка закончилась, а преобразование после ! не указано</translation>
    </message>
    <message>
        <source>expected &apos;:&apos; after conversion specifier</source>
        <translation>после преобразования (!) ожидается &apos;:&apos;</translation>
    </message>
    <message>
        <source>{key} placeholder {placeholder}</source>
        <translation>{key}, подстановка {placeholder}</translation>
    </message>
    <message>
        <source>[{section}] table is empty</source>
        <translation>[{section}] table пусто</translation>
    </message>
    <message>
        <source>[{section}] table = {name}: no such table in the shop database</source>
        <translation>[{section}] table = {name}: такой таблицы нет в базе магазина</translation>
    </message>
    <message>
        <source>[{section}] table = {name}: no such table in schema {schema}</source>
        <translation>[{section}] table = {name}: такой таблицы нет в схеме {schema}</translation>
    </message>
    <message>
        <source>tables: {tables}</source>
        <translation>таблицы: {tables}</translation>
    </message>
    <message>
        <source>[{section}] table: no schema {schema} in the shop database</source>
        <translation>[{section}] table: схемы {schema} нет в базе магазина</translation>
    </message>
    <message>
        <source>schemas: {schemas}</source>
        <translation>схемы: {schemas}</translation>
    </message>
    <message>
        <source>[{section}] {key} = {name}: table {table} has no column {name}</source>
        <translation>[{section}] {key} = {name}: в таблице {table} нет столбца {name}</translation>
    </message>
    <message>
        <source>columns: {columns}</source>
        <translation>столбцы: {columns}</translation>
    </message>
    <message>
        <source>[{section}] {key} is required and cannot be empty</source>
        <translation>[{section}] {key} обязателен и не может быть пустым</translation>
    </message>
    <message>
        <source>[{section}] key = {name}: column {column} is neither the primary key nor unique</source>
        <translation>[{section}] key = {name}: столбец {column} не является ни первичным ключом, ни уникальным</translation>
    </message>
    <message>
        <source>map the table&apos;s primary key</source>
        <translation>укажите первичный ключ таблицы</translation>
    </message>
    <message>
        <source>[{section}] {key} = {name}: column {column}</source>
        <translation>[{section}] {key} = {name}: столбец {column}</translation>
    </message>
    <message>
        <source>{where} has type {type}, too small for an id; an id column must be INTEGER (32 bits) or wider, or text</source>
        <translation>{where} имеет тип {type}, слишком малый для ID; столбец ID должен быть INTEGER (32 бита) или шире, либо текстовым</translation>
    </message>
    <message>
        <source>{where} holds only {length} characters; an id needs {needed}</source>
        <translation>{where} вмещает только {length} символов; для ID нужно {needed}</translation>
    </message>
    <message>
        <source>widen the column or map another one</source>
        <translation>расширьте столбец или укажите другой</translation>
    </message>
    <message>
        <source>{where} has type {type}; an id column must be an integer or text type</source>
        <translation>{where} имеет тип {type}; столбец ID должен быть целочисленным или текстовым</translation>
    </message>
    <message>
        <source>{where} has type {type}; expected {expected}</source>
        <translation>{where} имеет тип {type}; ожидается {expected}</translation>
    </message>
    <message>
        <source>an integer or text type</source>
        <translation>целочисленный или текстовый тип</translation>
    </message>
    <message>
        <source>a text type</source>
        <translation>текстовый тип</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>число</translation>
    </message>
    <message>
        <source>a date/time type</source>
        <translation>тип даты/времени</translation>
    </message>
    <message>
        <source>an integer or text type (a company key)</source>
        <translation>целочисленный или текстовый тип (ключ компании)</translation>
    </message>
    <message>
        <source>[shop.links] kind_values: {value} ({crm}) is not a value of {column}</source>
        <translation>[shop.links] kind_values: {value} ({crm}) не является значением {column}</translation>
    </message>
    <message>
        <source>its values: {values}</source>
        <translation>его значения: {values}</translation>
    </message>
    <message>
        <source>[{section}] kind, local_id and crm_id must be three different columns</source>
        <translation>[{section}] kind, local_id и crm_id должны быть тремя разными столбцами</translation>
    </message>
    <message>
        <source>[{section}] table {table}: column {column} is NOT NULL without a default, so the app cannot add a link</source>
        <translation>[{section}] таблица {table}: столбец {column} — NOT NULL без значения по умолчанию, поэтому приложение не может добавить связь</translation>
    </message>
    <message>
        <source>give {column} a default or allow NULL</source>
        <translation>задайте {column} значение по умолчанию или разрешите NULL</translation>
    </message>
    <message>
        <source>[{section}] currency is empty</source>
        <translation>[{section}] currency пусто</translation>
    </message>
    <message>
        <source>set currency = &quot;RUB&quot; or a currency_column</source>
        <translation>укажите currency = &quot;RUB&quot; или currency_column</translation>
    </message>
    <message>
        <source>[{section}] no name column: name, first_name and last_name are all empty</source>
        <translation>[{section}] нет столбца имени: name, first_name и last_name пусты</translation>
    </message>
    <message>
        <source>map name (a full name) or first_name and last_name</source>
        <translation>укажите name (полное имя) или first_name и last_name</translation>
    </message>
    <message>
        <source>[shop.orders] stage names no status column: nothing to write a stage to</source>
        <translation>[shop.orders] stage не указывает столбец статуса: стадию некуда записать</translation>
    </message>
    <message>
        <source>[{section}] maps no column {column}</source>
        <translation>[{section}]: столбец {column} не сопоставлен</translation>
    </message>
    <message>
        <source>The job queue {path} is being processed by {who}.</source>
        <translation>Очередь заданий {path} сейчас обрабатывает {who}.</translation>
    </message>
    <message>
        <source>{what} (pid {pid} on {host}, since {since} UTC)</source>
        <translation>{what} (pid {pid} на {host}, с {since} UTC)</translation>
    </message>
    <message>
        <source>another process (it did not say who)</source>
        <translation>другой процесс (он не назвал себя)</translation>
    </message>
    <message>
        <source>wait for it to finish, or stop it first</source>
        <translation>дождитесь, пока он закончит, или сначала остановите его</translation>
    </message>
    <message>
        <source>[queue] url {url} is not a database URL</source>
        <translation>[queue] url {url} не является URL базы данных</translation>
    </message>
    <message>
        <source>[queue] url: a team queue lives in PostgreSQL, not {backend}</source>
        <translation>[queue] url: общая очередь хранится в PostgreSQL, а не в {backend}</translation>
    </message>
    <message>
        <source>e.g. &quot;postgresql://bitrix_monitor@db.example/bitrix_monitor&quot;; leave it out for this desk&apos;s own queue file</source>
        <translation>например, &quot;postgresql://bitrix_monitor@db.example/bitrix_monitor&quot;; не указывайте, чтобы использовать собственный файл очереди рабочего места</translation>
    </message>
    <message>
        <source>[queue] url names no database</source>
        <translation>[queue] url не называет базу данных</translation>
    </message>
    <message>
        <source>add it: postgresql://user@host/database</source>
        <translation>добавьте её: postgresql://user@host/database</translation>
    </message>
    <message>
        <source>no keyring available ({error})</source>
        <translation>хранилище паролей недоступно ({error})</translation>
    </message>
    <message>
        <source>no keyring available (install a Secret Service, KWallet, or macOS/Windows keychain)</source>
        <translation>хранилище паролей недоступно (установите Secret Service, KWallet или связку ключей macOS/Windows)</translation>
    </message>
    <message>
        <source>frozen bundle: yes</source>
        <translation>собранный пакет: да</translation>
    </message>
    <message>
        <source>frozen bundle: no</source>
        <translation>собранный пакет: нет</translation>
    </message>
    <message>
        <source>data dir: {path}</source>
        <translation>папка данных: {path}</translation>
    </message>
    <message>
        <source>config file: {path} (present)</source>
        <translation>файл настроек: {path} (есть)</translation>
    </message>
    <message>
        <source>config file: {path} (absent: defaults apply)</source>
        <translation>файл настроек: {path} (нет: действуют значения по умолчанию)</translation>
    </message>
    <message>
        <source>log file: {path}</source>
        <translation>файл журнала: {path}</translation>
    </message>
    <message>
        <source>keyring: {backend}</source>
        <translation>хранилище паролей: {backend}</translation>
    </message>
    <message>
        <source>{database} driver ({module})</source>
        <translation>драйвер {database} ({module})</translation>
    </message>
    <message>
        <source>{what}: available</source>
        <translation>{what}: есть</translation>
    </message>
    <message>
        <source>{what}: missing</source>
        <translation>{what}: нет</translation>
    </message>
    <message>
        <source>No keyring is available to store the secret</source>
        <translation>Нет хранилища паролей, чтобы сохранить секрет</translation>
    </message>
    <message>
        <source>set it in the environment instead ({names})</source>
        <translation>задайте его в переменных окружения ({names})</translation>
    </message>
    <message>
        <source>The keyring refused to store the secret: {error}</source>
        <translation>Хранилище паролей не сохранило секрет: {error}</translation>
    </message>
    <message>
        <source>The keyring refused to delete the secret: {error}</source>
        <translation>Хранилище паролей не удалило секрет: {error}</translation>
    </message>
    <message>
        <source>The job queue file {path} {problem}.</source>
        <translation>Файл очереди заданий {path} {problem}.</translation>
    </message>
    <message>
        <source>run bitrix-monitor --move-queue-aside to start an empty queue; the old file is kept, renamed</source>
        <translation>запустите bitrix-monitor --move-queue-aside, чтобы начать с пустой очереди; старый файл сохранится под другим именем</translation>
    </message>
    <message>
        <source>is corrupted or is not a queue database</source>
        <translation>повреждён или не является базой очереди</translation>
    </message>
    <message>
        <source>move it aside to start with an empty queue; the old file is kept, renamed …corrupt-&lt;time&gt;</source>
        <translation>отложите его, чтобы начать с пустой очереди; старый файл сохранится как …corrupt-&lt;время&gt;</translation>
    </message>
    <message>
        <source>is read-only</source>
        <translation>доступен только для чтения</translation>
    </message>
    <message>
        <source>make the file and its folder writable, or move the file aside to start with an empty queue</source>
        <translation>разрешите запись в файл и его папку или отложите файл, чтобы начать с пустой очереди</translation>
    </message>
    <message>
        <source>cannot be opened</source>
        <translation>не открывается</translation>
    </message>
    <message>
        <source>cannot be written: the disk is full</source>
        <translation>не записывается: диск заполнен</translation>
    </message>
    <message>
        <source>cannot be written (disk I/O error)</source>
        <translation>не записывается (ошибка ввода-вывода диска)</translation>
    </message>
    <message>
        <source>free some space on the disk of the data directory (or check it), then run again; nothing is lost</source>
        <translation>освободите место на диске папки данных (или проверьте его) и запустите снова; ничего не потеряно</translation>
    </message>
    <message>
        <source>cannot be switched to WAL mode (journal mode is {mode})</source>
        <translation>не переключается в режим WAL (режим журнала {mode})</translation>
    </message>
    <message>
        <source>was written by a newer version of Bitrix Monitor (queue schema {found}; this version knows up to {known})</source>
        <translation>записан более новой версией Bitrix Monitor (схема очереди {found}; эта версия знает до {known})</translation>
    </message>
    <message>
        <source>update Bitrix Monitor, or move the file aside to start with an empty queue</source>
        <translation>обновите Bitrix Monitor или отложите файл, чтобы начать с пустой очереди</translation>
    </message>
    <message>
        <source>is corrupted or is not a queue database (SQLite integrity check: {first})</source>
        <translation>повреждён или не является базой очереди (проверка целостности SQLite: {first})</translation>
    </message>
    <message>
        <source>is corrupted or is not a queue database (no schema version)</source>
        <translation>повреждён или не является базой очереди (нет версии схемы)</translation>
    </message>
    <message>
        <source>is not a Bitrix Monitor queue (it holds other tables)</source>
        <translation>не является очередью Bitrix Monitor (в нём другие таблицы)</translation>
    </message>
    <message>
        <source>point the data directory elsewhere, or move the file aside to start with an empty queue</source>
        <translation>укажите другую папку данных или отложите файл, чтобы начать с пустой очереди</translation>
    </message>
    <message>
        <source>Cannot restore: {path} {problem}</source>
        <translation>Восстановить не удалось: {path} {problem}</translation>
    </message>
    <message>
        <source>another worker holds this record</source>
        <translation>эту запись сейчас обрабатывает другой обработчик</translation>
    </message>
    <message>
        <source>cannot be synced until fixed in the shop: {problem}</source>
        <translation>нельзя синхронизировать, пока это не исправлено в магазине: {problem}</translation>
    </message>
    <message>
        <source>unknown job kind {kind}</source>
        <translation>неизвестный вид задания: {kind}</translation>
    </message>
    <message>
        <source>internal error: {error}</source>
        <translation>внутренняя ошибка: {error}</translation>
    </message>
    <message>
        <source>the shop did not store the id</source>
        <translation>магазин не сохранил ID</translation>
    </message>
    <message>
        <source>order {key}: {problem}</source>
        <translation>заказ {key}: {problem}</translation>
    </message>
    <message>
        <source>{entity} {id} no longer exists in the portal</source>
        <translation>в портале больше нет записи ({entity} {id})</translation>
    </message>
    <message>
        <source>{entity} {id} vanished during the update</source>
        <translation>запись ({entity} {id}) исчезла из портала во время обновления</translation>
    </message>
    <message>
        <source>{entity} {id} was deleted in the portal and re-creating is off</source>
        <translation>запись ({entity} {id}) удалена в портале, а повторное создание выключено</translation>
    </message>
    <message>
        <source>{entity} {id} is also stored by {shop_entity} {others} (a shared link)</source>
        <translation>запись Битрикс24 ({entity} {id}) хранится также в магазине: {shop_entity} {others} (общая ссылка)</translation>
    </message>
    <message>
        <source>the portal could not merge automatically; merge by hand: {url}</source>
        <translation>портал не смог объединить автоматически; объедините вручную: {url}</translation>
    </message>
    <message>
        <source>{entity} {id} is another integration&apos;s ({stamp})</source>
        <translation>запись Битрикс24 ({entity} {id}) принадлежит другой интеграции ({stamp})</translation>
    </message>
    <message>
        <source>{entity} {id} is not this {shop_entity}&apos;s ({stamp})</source>
        <translation>запись Битрикс24 ({entity} {id}) относится не к этой записи магазина ({shop_entity}; {stamp})</translation>
    </message>
    <message numerus="yes">
        <source>the runner stopped %n time(s) while processing this job</source>
        <translation>
            <numerusform>исполнитель остановился %Ln раз во время обработки этого задания</numerusform>
            <numerusform>исполнитель останавливался %Ln раза во время обработки этого задания</numerusform>
            <numerusform>исполнитель останавливался %Ln раз во время обработки этого задания</numerusform>
        </translation>
    </message>
    <message>
        <source>the runner stopped while sending</source>
        <translation>исполнитель остановился во время отправки</translation>
    </message>
    <message>
        <source>the error is not retryable</source>
        <translation>ошибка не устраняется повтором</translation>
    </message>
    <message numerus="yes">
        <source>gave up after %n attempt(s)</source>
        <translation>
            <numerusform>прекращено после %Ln попытки</numerusform>
            <numerusform>прекращено после %Ln попыток</numerusform>
            <numerusform>прекращено после %Ln попыток</numerusform>
        </translation>
    </message>
    <message>
        <source>the record is in sync now</source>
        <translation>запись уже синхронизирована</translation>
    </message>
    <message>
        <source>re-check by lookup before any create</source>
        <translation>перед созданием — повторная проверка поиском</translation>
    </message>
    <message>
        <source>outcome unknown after sending; not found by lookup</source>
        <translation>результат отправки неизвестен; поиск записи не нашёл</translation>
    </message>
    <message>
        <source>merge outcome unknown; the records still exist: re-check by lookup</source>
        <translation>результат объединения неизвестен; записи ещё существуют: повторная проверка поиском</translation>
    </message>
    <message>
        <source>superseded by a newer change from the CRM (job {job}): {fields}</source>
        <translation>заменено более новым изменением из CRM (задание {job}): {fields}</translation>
    </message>
    <message>
        <source>superseded by a newer change from the CRM, already settled in the shop: {fields}</source>
        <translation>заменено более новым изменением из CRM, уже учтённым в магазине: {fields}</translation>
    </message>
    <message>
        <source>over: the shop&apos;s value was sent to the CRM since: {fields}</source>
        <translation>больше не нужно: с тех пор значение магазина отправлено в CRM: {fields}</translation>
    </message>
    <message>
        <source>{first}; {rest}</source>
        <translation>{first}; {rest}</translation>
    </message>
    <message>
        <source>{entity} {id} carries this origin id too; {shop_entity} {keys} stores it</source>
        <translation>запись ({entity} {id}) тоже несёт этот ID во внешнем источнике; её хранит запись магазина ({shop_entity} {keys})</translation>
    </message>
    <message>
        <source>{entity} {id} carries this origin id</source>
        <translation>запись ({entity} {id}) несёт этот ID во внешнем источнике</translation>
    </message>
    <message>
        <source>stored {entity} id {id}: the portal has no such {entity} (Not found)</source>
        <translation>сохранённый ID ({entity} {id}): в портале нет такой записи ({entity}; Not found)</translation>
    </message>
    <message>
        <source>{entity} {id} ({record}) is also stored by {shop_entity} {others}</source>
        <translation>запись Битрикс24 ({entity} {id}: {record}) хранится также в магазине: {shop_entity} {others}</translation>
    </message>
    <message>
        <source>{entity} {id} ({record}) is not this record&apos;s</source>
        <translation>запись Битрикс24 ({entity} {id}: {record}) не принадлежит этой записи</translation>
    </message>
    <message>
        <source>no record clearly matches it: for a person to resolve</source>
        <translation>ни одна запись явно ей не соответствует: решает человек</translation>
    </message>
    <message>
        <source>this {shop_entity} keeps it (its {match} matches), the others get their own</source>
        <translation>её сохраняет эта запись ({shop_entity}; совпадает {match}), остальные получают свои</translation>
    </message>
    <message>
        <source>{shop_entity} {keeper} keeps it (its {match} matches), this one gets its own {entity}</source>
        <translation>её сохраняет запись {keeper} ({shop_entity}; совпадает {match}), эта получает свою ({entity})</translation>
    </message>
    <message>
        <source>also stored by {shop_entity} {others}</source>
        <translation>хранится также в магазине: {shop_entity} {others}</translation>
    </message>
    <message>
        <source>{title}; stored by {shop_entity} {others}</source>
        <translation>{title}; хранится в магазине: {shop_entity} {others}</translation>
    </message>
    <message>
        <source>{fields} {value}</source>
        <translation>{fields} {value}</translation>
    </message>
    <message>
        <source>{originator}, {origin}</source>
        <translation>{originator}, {origin}</translation>
    </message>
    <message>
        <source>no origin id</source>
        <translation>нет ID во внешнем источнике</translation>
    </message>
    <message>
        <source>{id}: {stamp}</source>
        <translation>{id}: {stamp}</translation>
    </message>
    <message>
        <source>{match} {value}: {stamps}</source>
        <translation>{match} {value}: {stamps}</translation>
    </message>
    <message>
        <source>{title}, {stamp}</source>
        <translation>{title}, {stamp}</translation>
    </message>
    <message>
        <source>{title}, {stamp}, contact {contact}</source>
        <translation>{title}, {stamp}, контакт {contact}</translation>
    </message>
    <message>
        <source>another integration&apos;s {entity} shares this e-mail or phone (left alone)</source>
        <translation>запись другой интеграции ({entity}) имеет тот же E-mail или телефон (не трогаем)</translation>
    </message>
    <message>
        <source>the portal could not merge these automatically and nothing has changed since: merge by hand</source>
        <translation>портал не смог объединить их автоматически, и с тех пор ничего не изменилось: объедините вручную</translation>
    </message>
    <message>
        <source>{entity} {id} carries ORIGINATOR_ID {originator} of another integration: not updated; a person must decide</source>
        <translation>запись ({entity} {id}) несёт ORIGINATOR_ID {originator} другой интеграции: не обновлена; решает человек</translation>
    </message>
    <message>
        <source>deal {ids} has this order&apos;s title but order {keys} stores it: not adopted</source>
        <translation>сделка {ids} названа как этот заказ, но её хранит заказ {keys}: не принята</translation>
    </message>
    <message>
        <source>deal {id} has this order&apos;s title (made before origin ids)</source>
        <translation>сделка {id} названа как этот заказ (создана до ID во внешнем источнике)</translation>
    </message>
    <message>
        <source>no record in the portal</source>
        <translation>нет записи в портале</translation>
    </message>
    <message>
        <source>adopt {entity} {id}: {note}</source>
        <translation>принять запись ({entity} {id}): {note}</translation>
    </message>
    <message>
        <source>adopt {entity} {id} found by origin id</source>
        <translation>принять запись ({entity} {id}), найденную по ID во внешнем источнике</translation>
    </message>
    <message>
        <source>stored id is gone</source>
        <translation>сохранённого ID больше нет</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) match by {keys}</source>
        <translation>
            <numerusform>%Ln запись совпадает по признакам: {keys}</numerusform>
            <numerusform>%Ln записи совпадают по признакам: {keys}</numerusform>
            <numerusform>%Ln записей совпадают по признакам: {keys}</numerusform>
        </translation>
    </message>
    <message>
        <source>let go of {entity} {id} and get its own: {note}</source>
        <translation>отпустить запись ({entity} {id}) и получить свою: {note}</translation>
    </message>
    <message>
        <source>differs: {fields}</source>
        <translation>отличается: {fields}</translation>
    </message>
    <message>
        <source>update requested</source>
        <translation>запрошено обновление</translation>
    </message>
    <message>
        <source>new in the shop</source>
        <translation>новая запись в магазине</translation>
    </message>
    <message>
        <source>changed in the shop</source>
        <translation>изменено в магазине</translation>
    </message>
    <message>
        <source>queued jobs for records changed in the shop</source>
        <translation>поставил в очередь задания для записей, изменённых в магазине</translation>
    </message>
    <message numerus="yes">
        <source>wrote %n stage(s) moved in Bitrix24 into the shop</source>
        <translation>
            <numerusform>записал в магазин %Ln стадию, изменённую в Битрикс24</numerusform>
            <numerusform>записал в магазин %Ln стадии, изменённые в Битрикс24</numerusform>
            <numerusform>записал в магазин %Ln стадий, изменённых в Битрикс24</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>wrote %n value(s) edited in Bitrix24 ({fields}) into the shop</source>
        <translation>
            <numerusform>записал в магазин %Ln значение, изменённое в Битрикс24 ({fields})</numerusform>
            <numerusform>записал в магазин %Ln значения, изменённые в Битрикс24 ({fields})</numerusform>
            <numerusform>записал в магазин %Ln значений, изменённых в Битрикс24 ({fields})</numerusform>
        </translation>
    </message>
    <message>
        <source>{fields} of {entity} {id} changed in Bitrix24: {before} → {after}; {shop_entity} {key} updated in the shop</source>
        <translation>{fields} изменено в Битрикс24 (запись: {entity} {id}): {before} → {after}; в магазине обновлена запись ({shop_entity} {key})</translation>
    </message>
    <message>
        <source>Stage of deal {deal} changed in Bitrix24: {before} → {after}; order {order} status set to {status}</source>
        <translation>Стадия сделки {deal} изменена в Битрикс24: {before} → {after}; статус заказа {order} — {status}</translation>
    </message>
    <message>
        <source>Stage of deal {deal} changed in Bitrix24 by user {user}: {before} → {after}; order {order} status set to {status}</source>
        <translation>Стадия сделки {deal} изменена в Битрикс24 пользователем {user}: {before} → {after}; статус заказа {order} — {status}</translation>
    </message>
    <message numerus="yes">
        <source>queued %n job(s): {kind}</source>
        <translation>
            <numerusform>поставил в очередь %Ln задание: {kind}</numerusform>
            <numerusform>поставил в очередь %Ln задания: {kind}</numerusform>
            <numerusform>поставил в очередь %Ln заданий: {kind}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>closed %n failed or dead job(s): their records are in sync</source>
        <translation>
            <numerusform>закрыл %Ln задание с ошибкой: его запись синхронизирована</numerusform>
            <numerusform>закрыл %Ln задания с ошибкой: их записи синхронизированы</numerusform>
            <numerusform>закрыл %Ln заданий с ошибкой: их записи синхронизированы</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>retried %n job(s)</source>
        <translation>
            <numerusform>повторил %Ln задание</numerusform>
            <numerusform>повторил %Ln задания</numerusform>
            <numerusform>повторил %Ln заданий</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>cancelled %n job(s)</source>
        <translation>
            <numerusform>отменил %Ln задание</numerusform>
            <numerusform>отменил %Ln задания</numerusform>
            <numerusform>отменил %Ln заданий</numerusform>
        </translation>
    </message>
    <message>
        <source>created {created}, adopted {adopted}, updated {updated} records</source>
        <translation>записи: создано {created}, принято {adopted}, обновлено {updated}</translation>
    </message>
    <message>
        <source>restored {entity} {id} from the archive as {new_id}</source>
        <translation>восстановил из архива запись ({entity} {id}) под номером {new_id}</translation>
    </message>
    <message numerus="yes">
        <source>settled %n in-doubt job(s) as done</source>
        <translation>
            <numerusform>отметил %Ln задание с неизвестным результатом как выполненное</numerusform>
            <numerusform>отметил %Ln задания с неизвестным результатом как выполненные</numerusform>
            <numerusform>отметил %Ln заданий с неизвестным результатом как выполненные</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>settled %n in-doubt job(s) for a retry</source>
        <translation>
            <numerusform>отправил %Ln задание с неизвестным результатом на повтор</numerusform>
            <numerusform>отправил %Ln задания с неизвестным результатом на повтор</numerusform>
            <numerusform>отправил %Ln заданий с неизвестным результатом на повтор</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>unlinked %n shop record(s) from {entity} records deleted in Bitrix24</source>
        <translation>
            <numerusform>отвязана %Ln запись магазина от удалённых в Битрикс24 записей ({entity})</numerusform>
            <numerusform>отвязаны %Ln записи магазина от удалённых в Битрикс24 записей ({entity})</numerusform>
            <numerusform>отвязано %Ln записей магазина от удалённых в Битрикс24 записей ({entity})</numerusform>
        </translation>
    </message>
    <message>
        <source>merged {entity} {removed} into {entity} {survivor} (shop record {key}); archived first</source>
        <translation>объединил записи ({entity} {removed}) с записью {survivor} (запись магазина {key}); сначала сохранил их в архив</translation>
    </message>
    <message>
        <source>deleted duplicate {entity} {removed} of {entity} {survivor} (shop record {key}): Bitrix24 could not merge them; archived first</source>
        <translation>удалил дубликаты ({entity} {removed}) записи {survivor} (запись магазина {key}): Битрикс24 не смог их объединить; сначала сохранил их в архив</translation>
    </message>
    <message>
        <source>paused the runner</source>
        <translation>приостановил обработчик</translation>
    </message>
    <message>
        <source>resumed the runner</source>
        <translation>возобновил обработчик</translation>
    </message>
    <message>
        <source>the background runner hit an internal error (see the log)</source>
        <translation>внутренняя ошибка фонового обработчика (подробности в журнале приложения)</translation>
    </message>
    <message>
        <source>Checked {time}</source>
        <translation>Данные на {time}</translation>
    </message>
    <message numerus="yes">
        <source>Orders: %Ln checked</source>
        <translation>
            <numerusform>Проверен %Ln заказ</numerusform>
            <numerusform>Проверено %Ln заказа</numerusform>
            <numerusform>Проверено %Ln заказов</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Users: %Ln checked</source>
        <translation>
            <numerusform>Проверен %Ln пользователь</numerusform>
            <numerusform>Проверено %Ln пользователя</numerusform>
            <numerusform>Проверено %Ln пользователей</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Companies: %Ln checked</source>
        <translation>
            <numerusform>Проверена %Ln компания</numerusform>
            <numerusform>Проверено %Ln компании</numerusform>
            <numerusform>Проверено %Ln компаний</numerusform>
        </translation>
    </message>
    <message>
        <source>with exactly one deal, in sync</source>
        <translation>ровно одна сделка, синхронизировано</translation>
    </message>
    <message>
        <source>with exactly one contact, in sync</source>
        <translation>ровно один контакт, синхронизировано</translation>
    </message>
    <message>
        <source>with exactly one company, in sync</source>
        <translation>ровно одна компания, синхронизировано</translation>
    </message>
    <message>
        <source>missing a deal</source>
        <translation>нет сделки</translation>
    </message>
    <message>
        <source>missing a contact</source>
        <translation>нет контакта</translation>
    </message>
    <message>
        <source>missing a company</source>
        <translation>нет компании</translation>
    </message>
    <message>
        <source>deal exists but is not linked</source>
        <translation>сделка есть, но не привязана</translation>
    </message>
    <message>
        <source>contact exists but is not linked</source>
        <translation>контакт есть, но не привязан</translation>
    </message>
    <message>
        <source>company exists but is not linked</source>
        <translation>компания есть, но не привязана</translation>
    </message>
    <message>
        <source>linked to a deleted deal</source>
        <translation>привязано к удалённой сделке</translation>
    </message>
    <message>
        <source>linked to a deleted contact</source>
        <translation>привязано к удалённому контакту</translation>
    </message>
    <message>
        <source>linked to a deleted company</source>
        <translation>привязано к удалённой компании</translation>
    </message>
    <message>
        <source>outdated in the portal</source>
        <translation>устарело в портале</translation>
    </message>
    <message>
        <source>with duplicate deals</source>
        <translation>с дубликатами сделок</translation>
    </message>
    <message>
        <source>with duplicate contacts</source>
        <translation>с дубликатами контактов</translation>
    </message>
    <message>
        <source>with duplicate companies</source>
        <translation>с дубликатами компаний</translation>
    </message>
    <message>
        <source>portal deals with no shop row</source>
        <translation>сделки портала без записи в магазине</translation>
    </message>
    <message>
        <source>portal contacts with no shop row</source>
        <translation>контакты портала без записи в магазине</translation>
    </message>
    <message>
        <source>portal companies with no shop row</source>
        <translation>компании портала без записи в магазине</translation>
    </message>
    <message>
        <source>to fix in the shop (see notes)</source>
        <translation>исправить в магазине (см. примечания)</translation>
    </message>
    <message>
        <source>sharing a deal with another record</source>
        <translation>сделка общая с другой записью</translation>
    </message>
    <message>
        <source>sharing a contact with another record</source>
        <translation>контакт общий с другой записью</translation>
    </message>
    <message>
        <source>sharing a company with another record</source>
        <translation>компания общая с другой записью</translation>
    </message>
    <message>
        <source>changed in the CRM, not in the shop yet</source>
        <translation>изменено в CRM, в магазин ещё не записано</translation>
    </message>
    <message>
        <source>changed on both sides (conflicts)</source>
        <translation>изменено с обеих сторон (конфликты)</translation>
    </message>
    <message>
        <source>Queue: {queued} queued, {running} running, {in_doubt} in doubt, {failed} failed, {dead} dead, {done} done</source>
        <translation>Очередь: в очереди {queued}, выполняется {running}, результат неизвестен {in_doubt}, с ошибкой {failed}, попытки исчерпаны {dead}, выполнено {done}</translation>
    </message>
    <message numerus="yes">
        <source>all %Ln orders have exactly one deal</source>
        <translation>
            <numerusform>%Ln заказ — ровно с одной сделкой</numerusform>
            <numerusform>все %Ln заказа — ровно с одной сделкой</numerusform>
            <numerusform>все %Ln заказов — ровно с одной сделкой</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>all %Ln users exactly one contact</source>
        <translation>
            <numerusform>%Ln пользователь — ровно с одним контактом</numerusform>
            <numerusform>все %Ln пользователя — ровно с одним контактом</numerusform>
            <numerusform>все %Ln пользователей — ровно с одним контактом</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>all %Ln companies exactly one company</source>
        <translation>
            <numerusform>%Ln компания — ровно с одной компанией в Битрикс24</numerusform>
            <numerusform>все %Ln компании — ровно с одной компанией в Битрикс24</numerusform>
            <numerusform>все %Ln компаний — ровно с одной компанией в Битрикс24</numerusform>
        </translation>
    </message>
    <message>
        <source>OK: {list}, in sync.</source>
        <translation>ОК: {list}; всё синхронизировано.</translation>
    </message>
    <message>
        <source>{first} and {last}</source>
        <translation>{first} и {last}</translation>
    </message>
    <message>
        <source>NOT OK: problems remain (see above).</source>
        <translation>НЕ ОК: остались проблемы (см. выше).</translation>
    </message>
    <message numerus="yes">
        <source>Plan: %Ln jobs would be queued</source>
        <translation>
            <numerusform>План: %Ln задание будет поставлено в очередь</numerusform>
            <numerusform>План: %Ln задания будут поставлены в очередь</numerusform>
            <numerusform>План: %Ln заданий будут поставлены в очередь</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>… and %Ln more</source>
        <translation>
            <numerusform>… и ещё %Ln</numerusform>
            <numerusform>… и ещё %Ln</numerusform>
            <numerusform>… и ещё %Ln</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Would stamp our origin ids on %Ln records kept from before.</source>
        <translation>
            <numerusform>Проставил бы наши ID во внешнем источнике на %Ln запись, оставшуюся с прежних времён.</numerusform>
            <numerusform>Проставил бы наши ID во внешнем источнике на %Ln записи, оставшиеся с прежних времён.</numerusform>
            <numerusform>Проставил бы наши ID во внешнем источнике на %Ln записей, оставшихся с прежних времён.</numerusform>
        </translation>
    </message>
    <message>
        <source>No dead jobs in {where}.</source>
        <translation>В {where} нет заданий с исчерпанными попытками.</translation>
    </message>
    <message>
        <source>No dead {code} jobs in {where}.</source>
        <translation>В {where} нет заданий {code} с исчерпанными попытками.</translation>
    </message>
    <message numerus="yes">
        <source>Queued %Ln dead job(s) again ({detail}); the next --sync runs them.</source>
        <translation>
            <numerusform>Снова поставлено в очередь %Ln задание с исчерпанными попытками ({detail}); следующий --sync выполнит его.</numerusform>
            <numerusform>Снова поставлены в очередь %Ln задания с исчерпанными попытками ({detail}); следующий --sync выполнит их.</numerusform>
            <numerusform>Снова поставлено в очередь %Ln заданий с исчерпанными попытками ({detail}); следующий --sync выполнит их.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %Ln dead {code} job(s) again ({detail}); the next --sync runs them.</source>
        <translation>
            <numerusform>Снова поставлено в очередь %Ln задание {code} с исчерпанными попытками ({detail}); следующий --sync выполнит его.</numerusform>
            <numerusform>Снова поставлены в очередь %Ln задания {code} с исчерпанными попытками ({detail}); следующий --sync выполнит их.</numerusform>
            <numerusform>Снова поставлено в очередь %Ln заданий {code} с исчерпанными попытками ({detail}); следующий --sync выполнит их.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Left %Ln dead: another job of the same record is active and covers them.</source>
        <translation>
            <numerusform>Осталось %Ln задание с исчерпанными попытками: его покрывает другое активное задание той же записи.</numerusform>
            <numerusform>Осталось %Ln задания с исчерпанными попытками: их покрывают другие активные задания тех же записей.</numerusform>
            <numerusform>Осталось %Ln заданий с исчерпанными попытками: их покрывают другие активные задания тех же записей.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cancelled %Ln dead job(s) ({detail}).</source>
        <translation>
            <numerusform>Отменено %Ln задание с исчерпанными попытками ({detail}).</numerusform>
            <numerusform>Отменено %Ln задания с исчерпанными попытками ({detail}).</numerusform>
            <numerusform>Отменено %Ln заданий с исчерпанными попытками ({detail}).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cancelled %Ln dead {code} job(s) ({detail}).</source>
        <translation>
            <numerusform>Отменено %Ln задание {code} с исчерпанными попытками ({detail}).</numerusform>
            <numerusform>Отменено %Ln задания {code} с исчерпанными попытками ({detail}).</numerusform>
            <numerusform>Отменено %Ln заданий {code} с исчерпанными попытками ({detail}).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Stamped our origin ids on %Ln records kept from before.</source>
        <translation>
            <numerusform>Проставил наши ID во внешнем источнике на %Ln запись, оставшуюся с прежних времён.</numerusform>
            <numerusform>Проставил наши ID во внешнем источнике на %Ln записи, оставшиеся с прежних времён.</numerusform>
            <numerusform>Проставил наши ID во внешнем источнике на %Ln записей, оставшихся с прежних времён.</numerusform>
        </translation>
    </message>
    <message>
        <source>--resolve {text}: write KIND:KEY=crm or KIND:KEY=shop, e.g. order:42=crm</source>
        <translation>--resolve {text}: пишите KIND:KEY=crm или KIND:KEY=shop, например order:42=crm</translation>
    </message>
    <message>
        <source>KIND is order, user or company; crm takes the CRM&apos;s values, shop keeps the shop&apos;s</source>
        <translation>KIND — order, user или company; crm берёт значения CRM, shop оставляет значения магазина</translation>
    </message>
    <message>
        <source>--resolve settles a conflict by writing to the shop or the portal: leave out --dry-run</source>
        <translation>--resolve разрешает конфликт записью в магазин или в портал: уберите --dry-run</translation>
    </message>
    <message>
        <source>take {take}: say crm (the CRM&apos;s values) or shop (the shop&apos;s)</source>
        <translation>take {take}: укажите crm (значения CRM) или shop (значения магазина)</translation>
    </message>
    <message>
        <source>{shop_entity} {key} has no change from the CRM waiting for a person</source>
        <translation>у записи ({shop_entity} {key}) нет изменений из CRM, ожидающих решения человека</translation>
    </message>
    <message>
        <source>{shop_entity} {key}: kept the shop&apos;s {fields}; the next sync sends it to the CRM</source>
        <translation>{shop_entity} {key}: оставлено значение магазина ({fields}); следующая синхронизация отправит его в CRM</translation>
    </message>
    <message>
        <source>{shop_entity} {key}: took the CRM&apos;s {fields} into the shop</source>
        <translation>{shop_entity} {key}: значение CRM ({fields}) записано в магазин</translation>
    </message>
    <message>
        <source>{shop_entity} {key} is being written by another worker; try again</source>
        <translation>запись ({shop_entity} {key}) сейчас записывает другой обработчик; попробуйте ещё раз</translation>
    </message>
    <message>
        <source>{shop_entity} {key} is no longer in the shop</source>
        <translation>записи ({shop_entity} {key}) больше нет в магазине</translation>
    </message>
    <message>
        <source>{shop_entity} {key}: stage {stage} has no shop status</source>
        <translation>{shop_entity} {key}: для стадии {stage} нет статуса магазина</translation>
    </message>
    <message>
        <source>add it to [shop.orders] stage_map_back</source>
        <translation>добавьте её в [shop.orders] stage_map_back</translation>
    </message>
    <message>
        <source>{shop_entity} {key}: the CRM&apos;s {fields} cannot be written: {error}</source>
        <translation>{shop_entity} {key}: значение CRM ({fields}) нельзя записать: {error}</translation>
    </message>
    <message>
        <source>{shop_entity} {key}: the shop changed {column} meanwhile; look again</source>
        <translation>{shop_entity} {key}: магазин тем временем изменил {column}; посмотрите ещё раз</translation>
    </message>
    <message>
        <source>{entity} {id} from {file}</source>
        <translation>{entity} {id} из {file}</translation>
    </message>
    <message>
        <source>{what} was restored already, as {entity} {new_id} ({at} UTC); nothing was created. {pointer}</source>
        <translation>{what}: уже восстановлено как {entity} {new_id} ({at} UTC); ничего не создано. {pointer}</translation>
    </message>
    <message>
        <source>{what}: {entity} {id} still exists in the portal; nothing to restore.</source>
        <translation>{what}: запись ({entity} {id}) ещё есть в портале; восстанавливать нечего.</translation>
    </message>
    <message>
        <source>Restored {what} as {entity} {new_id}. {why}</source>
        <translation>Восстановлено: {what} как {entity} {new_id}. {why}</translation>
    </message>
    <message>
        <source>The shop has no {shop_entity} {key} any more, so nothing points at it.</source>
        <translation>В магазине больше нет записи ({shop_entity} {key}), поэтому на неё ничто не ссылается.</translation>
    </message>
    <message>
        <source>The shop&apos;s {shop_entity} {key} points at it.</source>
        <translation>Запись магазина ({shop_entity} {key}) ссылается на неё.</translation>
    </message>
    <message>
        <source>The shop&apos;s {shop_entity} {key} keeps {entity} {id}, which exists; the restored {entity} stands beside it, marked ORIGIN_ID {marker}, and syncs leave it alone.</source>
        <translation>Запись магазина ({shop_entity} {key}) хранит существующую запись ({entity} {id}); восстановленная запись ({entity}) стоит рядом с пометкой ORIGIN_ID {marker}, и синхронизация её не трогает.</translation>
    </message>
    <message>
        <source>The shop&apos;s {shop_entity} {key} changed meanwhile (it now stores {entity} {id}) and keeps it.</source>
        <translation>Запись магазина ({shop_entity} {key}) тем временем изменилась (теперь она хранит {entity} {id}) и сохраняет это.</translation>
    </message>
    <message>
        <source>The shop&apos;s {shop_entity} {key} now points at it ({why}).</source>
        <translation>Запись магазина ({shop_entity} {key}) теперь ссылается на неё ({why}).</translation>
    </message>
    <message>
        <source>it stored no {entity}</source>
        <translation>она не хранила запись ({entity})</translation>
    </message>
    <message>
        <source>it stored the archived {entity} {id}</source>
        <translation>она хранила архивную запись ({entity} {id})</translation>
    </message>
    <message>
        <source>its {entity} {id} no longer exists</source>
        <translation>её записи ({entity} {id}) больше нет</translation>
    </message>
    <message>
        <source>The shop has no {shop_entity} {key} any more.</source>
        <translation>В магазине больше нет записи ({shop_entity} {key}).</translation>
    </message>
    <message>
        <source>The shop&apos;s {shop_entity} {key} stores no {entity}.</source>
        <translation>Запись магазина ({shop_entity} {key}) не хранит запись ({entity}).</translation>
    </message>
    <message>
        <source>The shop&apos;s {shop_entity} {key} keeps {entity} {id}.</source>
        <translation>Запись магазина ({shop_entity} {key}) хранит {entity} {id}.</translation>
    </message>
    <message>
        <source>Another process holds {shop_entity} {key} (a sync or another restore)</source>
        <translation>Запись ({shop_entity} {key}) занята другим процессом (синхронизацией или другим восстановлением)</translation>
    </message>
    <message>
        <source>run the restore again when it has finished</source>
        <translation>запустите восстановление снова, когда он закончит</translation>
    </message>
    <message>
        <source>The portal did not answer the create of the restored {entity} and it is not there yet</source>
        <translation>Портал не ответил на создание восстановленной записи ({entity}), и её там пока нет</translation>
    </message>
    <message>
        <source>run the same --restore again: it looks the record up before creating anything</source>
        <translation>запустите тот же --restore снова: он сначала ищет запись, а потом создаёт</translation>
    </message>
    <message>
        <source>{path} is not a record from the archive ({why})</source>
        <translation>{path} не является записью из архива ({why})</translation>
    </message>
    <message>
        <source>{path}  {entity} {id} of shop key {key}: {reason}</source>
        <translation>{path}  {entity} {id}, ключ в магазине {key}: {reason}</translation>
    </message>
    <message>
        <source>{path}  {entity} {id} of shop key {key}: {reason}, restored as {new_id}</source>
        <translation>{path}  {entity} {id}, ключ в магазине {key}: {reason}, восстановлена как {new_id}</translation>
    </message>
    <message>
        <source>{path}  unreadable: {reason}</source>
        <translation>{path}  не читается: {reason}</translation>
    </message>
    <message numerus="yes">
        <source>%Ln archived record(s) in {dir}</source>
        <translation>
            <numerusform>%Ln запись в архиве {dir}</numerusform>
            <numerusform>%Ln записи в архиве {dir}</numerusform>
            <numerusform>%Ln записей в архиве {dir}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln archived record(s) in {dir} ({unreadable})</source>
        <translation>
            <numerusform>%Ln запись в архиве {dir} ({unreadable})</numerusform>
            <numerusform>%Ln записи в архиве {dir} ({unreadable})</numerusform>
            <numerusform>%Ln записей в архиве {dir} ({unreadable})</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln unreadable file(s)</source>
        <translation>
            <numerusform>%Ln файл не читается</numerusform>
            <numerusform>%Ln файла не читаются</numerusform>
            <numerusform>%Ln файлов не читаются</numerusform>
        </translation>
    </message>
    <message>
        <source>the file {problem}</source>
        <translation>файл {problem}</translation>
    </message>
    <message>
        <source>not UTF-8 text</source>
        <translation>не является текстом в UTF-8</translation>
    </message>
    <message>
        <source>not JSON (line {line}, column {column})</source>
        <translation>не является корректным JSON (строка {line}, позиция {column})</translation>
    </message>
    <message>
        <source>not an archived record: not a JSON object</source>
        <translation>не архивная запись: это не объект JSON</translation>
    </message>
    <message>
        <source>not an archived record: no field {field}</source>
        <translation>не архивная запись: нет поля {field}</translation>
    </message>
    <message>
        <source>not an archived record: {field} = {value} is not valid</source>
        <translation>не архивная запись: недопустимое значение {field} = {value}</translation>
    </message>
    <message>
        <source>There is no queue file at {path}: nothing to move.</source>
        <translation>Файла очереди {path} нет: переносить нечего.</translation>
    </message>
    <message>
        <source>Nothing to move from {source} to {target}.</source>
        <translation>Из {source} в {target} переносить нечего.</translation>
    </message>
    <message numerus="yes">
        <source>Nothing to move from {source} to {target}: its %Ln job(s) were moved before.</source>
        <translation>
            <numerusform>Из {source} в {target} переносить нечего: его %Ln задание уже перенесено раньше.</numerusform>
            <numerusform>Из {source} в {target} переносить нечего: его %Ln задания уже перенесены раньше.</numerusform>
            <numerusform>Из {source} в {target} переносить нечего: его %Ln заданий уже перенесены раньше.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Moved %Ln job(s) from {source} to {target}: {pending} pending, {history} finished, with {events} events</source>
        <translation>
            <numerusform>Перенесено %Ln задание из {source} в {target}: ожидающих {pending}, завершённых {history}, событий {events}</numerusform>
            <numerusform>Перенесено %Ln задания из {source} в {target}: ожидающих {pending}, завершённых {history}, событий {events}</numerusform>
            <numerusform>Перенесено %Ln заданий из {source} в {target}: ожидающих {pending}, завершённых {history}, событий {events}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln pending job(s) were already covered by the team&apos;s own jobs</source>
        <translation>
            <numerusform>%Ln ожидающее задание уже покрыто заданиями общей очереди</numerusform>
            <numerusform>%Ln ожидающих задания уже покрыты заданиями общей очереди</numerusform>
            <numerusform>%Ln ожидающих заданий уже покрыты заданиями общей очереди</numerusform>
        </translation>
    </message>
    <message>
        <source>{restores} restores and {conflicts} merge conflicts came along</source>
        <translation>перенесены также восстановления ({restores}) и конфликты объединения ({conflicts})</translation>
    </message>
    <message numerus="yes">
        <source>%Ln job(s) had been moved before</source>
        <translation>
            <numerusform>%Ln задание перенесено раньше</numerusform>
            <numerusform>%Ln задания перенесены раньше</numerusform>
            <numerusform>%Ln заданий перенесены раньше</numerusform>
        </translation>
    </message>
    <message>
        <source>{summary}. The desk&apos;s pending jobs are cancelled in its file (moved).</source>
        <translation>{summary}. Ожидающие задания рабочего места отменены в его файле (перенесены).</translation>
    </message>
    <message>
        <source>There is no queue file at {path}.</source>
        <translation>Файла очереди {path} нет.</translation>
    </message>
    <message>
        <source>Moved the queue file aside to {path}; the next start begins an empty queue.</source>
        <translation>Файл очереди отложен как {path}; следующий запуск начнёт с пустой очереди.</translation>
    </message>
    <message>
        <source>changed on both sides: the shop says {shop}, the CRM {crm}; choose which one stays</source>
        <translation>изменено с обеих сторон: в магазине {shop}, в CRM {crm}; выберите, что остаётся</translation>
    </message>
    <message>
        <source>changed on both sides: the shop says {shop}, the CRM {crm} (both said {agreed} before); choose which one stays</source>
        <translation>изменено с обеих сторон: в магазине {shop}, в CRM {crm} (раньше в обоих было {agreed}); выберите, что остаётся</translation>
    </message>
    <message>
        <source>{field} changed on both sides: the shop says {shop}, the CRM {crm}; choose which one stays</source>
        <translation>{field} изменено с обеих сторон: в магазине {shop}, в CRM {crm}; выберите, что остаётся</translation>
    </message>
    <message>
        <source>{field} changed on both sides: the shop says {shop}, the CRM {crm} (both said {agreed} before); choose which one stays</source>
        <translation>{field} изменено с обеих сторон: в магазине {shop}, в CRM {crm} (раньше в обоих было {agreed}); выберите, что остаётся</translation>
    </message>
    <message>
        <source>stage {stage} has no shop status: add it to [shop.orders] stage_map_back</source>
        <translation>для стадии {stage} нет статуса магазина: добавьте её в [shop.orders] stage_map_back</translation>
    </message>
    <message>
        <source>pulling the stage is not permitted: {error}</source>
        <translation>получать стадию из CRM нельзя: {error}</translation>
    </message>
    <message>
        <source>pulling {field} is not permitted: {error}</source>
        <translation>получать {field} из CRM нельзя: {error}</translation>
    </message>
    <message>
        <source>the shop changed the status while it was being written; looked at again next time</source>
        <translation>магазин изменил статус во время записи; проверим ещё раз в следующий раз</translation>
    </message>
    <message>
        <source>the CRM&apos;s {field} cannot be written to the shop&apos;s column: {error}</source>
        <translation>значение CRM ({field}) нельзя записать в столбец магазина: {error}</translation>
    </message>
    <message>
        <source>the shop changed {column} while it was being written; looked at again next time</source>
        <translation>магазин изменил {column} во время записи; проверим ещё раз в следующий раз</translation>
    </message>
    <message>
        <source>queued as a pull job: {reason}</source>
        <translation>поставлено в очередь как задание получения из CRM: {reason}</translation>
    </message>
    <message>
        <source>the job names no {field} value</source>
        <translation>в задании нет значения {field}</translation>
    </message>
    <message>
        <source>the job names no field the CRM may change</source>
        <translation>в задании нет поля, которое может менять CRM</translation>
    </message>
    <message>
        <source>the record is busy (locked)</source>
        <translation>запись занята (заблокирована)</translation>
    </message>
    <message>
        <source>a runner is writing the record&apos;s older change; this newer one is written after it</source>
        <translation>обработчик записывает более старое изменение записи; это, более новое, будет записано после него</translation>
    </message>
    <message>
        <source>{field}: a newer change from the CRM came in meanwhile; this job writes it next</source>
        <translation>{field}: тем временем пришло более новое изменение из CRM; это задание запишет его следующим</translation>
    </message>
    <message>
        <source>the order is gone from the shop</source>
        <translation>заказа больше нет в магазине</translation>
    </message>
    <message>
        <source>the record is gone from the shop (or cannot be read as one)</source>
        <translation>записи больше нет в магазине (или её нельзя прочитать)</translation>
    </message>
    <message>
        <source>status {status} written</source>
        <translation>статус {status} записан</translation>
    </message>
    <message>
        <source>the shop already holds it</source>
        <translation>в магазине уже это значение</translation>
    </message>
    <message>
        <source>{field} written</source>
        <translation>{field} записано</translation>
    </message>
    <message>
        <source>{field} held</source>
        <translation>{field} оставлено</translation>
    </message>
    <message>
        <source>The shop&apos;s deals are in pipeline {top} ({linked} of {total} linked deals), but [shop.orders] category = {category}: new deals would go to pipeline {category} beside them; set category = {top} and map the shop&apos;s statuses to that pipeline&apos;s stages (stage_map)</source>
        <translation>Сделки магазина находятся в воронке {top} (связанных сделок: {linked} из {total}), но [shop.orders] category = {category}: новые сделки попадут в воронку {category} рядом с ними; укажите category = {top} и сопоставьте статусы магазина со стадиями этой воронки (stage_map)</translation>
    </message>
    <message>
        <source>{elsewhere} of {total} linked deals are in another pipeline ({others}) than [shop.orders] category = {category}: they are reported per record and never moved</source>
        <translation>связанных сделок: {elsewhere} из {total} — в другой воронке ({others}), не в [shop.orders] category = {category}: о них сообщается по каждой записи, и они никогда не перемещаются</translation>
    </message>
    <message>
        <source>pulling {name} is not permitted: the shop database user may not UPDATE column {table}.{column} (GRANT UPDATE ({column}) ON {table}, or set [shop.{plural}.owners] {name} = &quot;shop&quot;); everything else runs</source>
        <translation>получать {name} из CRM нельзя: пользователю базы магазина нельзя UPDATE столбца {table}.{column} (GRANT UPDATE ({column}) ON {table} или укажите [shop.{plural}.owners] {name} = &quot;shop&quot;); всё остальное работает</translation>
    </message>
    <message>
        <source>[shop.users] company = {value} is not used: a Bitrix24 contact has no company-name field, so the portal would drop it; a user&apos;s company is a company record bound to the contact: map [shop.companies] and set [shop.users] company_ref, then remove company</source>
        <translation>[shop.users] company = {value} не используется: у контакта Bitrix24 нет поля с названием компании, портал его отбросил бы; компания пользователя — это запись компании, привязанная к контакту: настройте [shop.companies] и укажите [shop.users] company_ref, а company удалите</translation>
    </message>
    <message>
        <source>[{section}] table {table} has no unique constraint on ({columns}): two copies of the app linking one record at the same moment could both add a row; add UNIQUE ({columns})</source>
        <translation>[{section}] у таблицы {table} нет ограничения уникальности на ({columns}): две копии приложения, связывающие одну запись одновременно, могут обе добавить строку; добавьте UNIQUE ({columns})</translation>
    </message>
    <message>
        <source>The team job queue {where} cannot be used: {detail}</source>
        <translation>Общую очередь заданий {where} нельзя использовать: {detail}</translation>
    </message>
    <message>
        <source>check that the database server runs and the user, password and grants are right (see the README, Team mode)</source>
        <translation>проверьте, что сервер базы данных работает, а пользователь, пароль и права верны (см. README, Team mode)</translation>
    </message>
    <message>
        <source>The database of the team job queue {where} holds a jobs table that is not ours</source>
        <translation>В базе данных общей очереди заданий {where} есть чужая таблица jobs</translation>
    </message>
    <message>
        <source>give the team queue a database (or a schema) of its own</source>
        <translation>выделите общей очереди отдельную базу данных (или схему)</translation>
    </message>
    <message>
        <source>The team job queue {where} was set up by a newer version of Bitrix Monitor (queue schema {found}; this version knows up to {known})</source>
        <translation>Общую очередь заданий {where} создала более новая версия Bitrix Monitor (схема очереди {found}; эта версия знает схемы до {known})</translation>
    </message>
    <message>
        <source>update Bitrix Monitor on this machine</source>
        <translation>обновите Bitrix Monitor на этом компьютере</translation>
    </message>
    <message>
        <source>The team job queue {where} has no schema version</source>
        <translation>У общей очереди заданий {where} нет версии схемы</translation>
    </message>
    <message>
        <source>The portal answered crm.status.list with {type}, not a list of stages</source>
        <translation>Портал ответил на crm.status.list значением {type}, а не списком стадий</translation>
    </message>
    <message>
        <source>The portal answered {method} with {type}, not a list of records</source>
        <translation>Портал ответил на {method} значением типа {type}, а не списком записей</translation>
    </message>
    <message>
        <source>The portal answered crm.stagehistory.list with {type}, not a list of items</source>
        <translation>Портал ответил на crm.stagehistory.list значением типа {type}, а не списком записей истории</translation>
    </message>
    <message>
        <source>check the webhook&apos;s URL and its crm scope; run again later</source>
        <translation>проверьте адрес вебхука и его право crm; повторите позже</translation>
    </message>
    <message>
        <source>The portal answered server.time with {value}, not a time</source>
        <translation>Портал ответил на server.time значением {value}, а не временем</translation>
    </message>
    <message>
        <source>The portal did not run {commands} of a batch</source>
        <translation>Портал не выполнил команды пакета: {commands}</translation>
    </message>
    <message>
        <source>[shop.orders] category = {category}: the portal has no deal pipeline {category}</source>
        <translation>[shop.orders] category = {category}: на портале нет воронки сделок {category}</translation>
    </message>
    <message>
        <source>the portal&apos;s deal pipelines: {names}</source>
        <translation>воронки сделок на портале: {names}</translation>
    </message>
    <message>
        <source>see the pipelines in Bitrix24 (CRM → Deals)</source>
        <translation>посмотрите воронки в Битрикс24 (CRM → Сделки)</translation>
    </message>
    <message>
        <source>[shop.orders] stage_map: {value} = {stage}: {stage} is not a stage of pipeline {category}; its stages: {stages}</source>
        <translation>[shop.orders] stage_map: {value} = {stage}: {stage} — не стадия воронки {category}; её стадии: {stages}</translation>
    </message>
    <message>
        <source>the portal has no {entity} field {name}</source>
        <translation>на портале нет поля {name} (тип записи: {entity})</translation>
    </message>
    <message>
        <source>{name} is read-only in the portal (what is sent would be ignored)</source>
        <translation>поле {name} на портале только для чтения (отправленное значение было бы проигнорировано)</translation>
    </message>
    <message>
        <source>{name} can be set only when the {entity} is made; the app also updates it</source>
        <translation>поле {name} можно задать только при создании записи (тип: {entity}), а приложение его ещё и обновляет</translation>
    </message>
    <message>
        <source>{name} is a multiple-value {type} field; only single-value fields can be mapped</source>
        <translation>поле {name} — множественное поле типа {type}; сопоставить можно только поля с одним значением</translation>
    </message>
    <message>
        <source>{name} is a {type} field; a mapped field must be of type string, url, integer or double (the shop&apos;s value is sent as text)</source>
        <translation>поле {name} имеет тип {type}; сопоставляемое поле должно быть типа string, url, integer или double (значение магазина отправляется текстом)</translation>
    </message>
    <message>
        <source>{name} is an integer field, but {source} is not always a whole number (the portal would store another value): map one integer column</source>
        <translation>поле {name} целочисленное, но {source} — не всегда целое число (портал сохранил бы другое значение): сопоставьте один целочисленный столбец</translation>
    </message>
    <message>
        <source>{name} is a double field, but {source} is not always a number (the portal would store 0): map one number column</source>
        <translation>поле {name} типа double, но {source} — не всегда число (портал сохранил бы 0): сопоставьте один числовой столбец</translation>
    </message>
    <message>
        <source>The portal answered {method} with {type}, not a field list</source>
        <translation>Портал ответил на {method} значением {type}, а не списком полей</translation>
    </message>
    <message>
        <source>[shop.{section}.fields] {name}: {problem}; the portal&apos;s writable custom {entity} fields: {listing}</source>
        <translation>[shop.{section}.fields] {name}: {problem}; пользовательские поля на портале, доступные для записи (тип записи: {entity}): {listing}</translation>
    </message>
    <message>
        <source>{listed}, … ({count} in all)</source>
        <translation>{listed}, … (всего {count})</translation>
    </message>
    <message>
        <source>create it in Bitrix24 (CRM settings, custom fields) or with {method}</source>
        <translation>создайте его в Битрикс24 (настройки CRM, пользовательские поля) или методом {method}</translation>
    </message>
    <message>
        <source>Connected to {where}: the CRM holds {deals} deals and {contacts} contacts; deal pipeline {category} has {stages} stages.</source>
        <translation>Подключено к {where}: в CRM сделок: {deals}, контактов: {contacts}; стадий в воронке сделок {category}: {stages}.</translation>
    </message>
    <message>
        <source>The portal {where} answered, but not as Bitrix24: {error}</source>
        <translation>Портал {where} ответил, но не как Битрикс24: {error}</translation>
    </message>
    <message>
        <source>Connected to {where}: {orders} orders and {users} users; the mapping matches.</source>
        <translation>Подключено к {where}: заказов: {orders}, пользователей: {users}; сопоставление подходит.</translation>
    </message>
    <message>
        <source>{line} Warning: {warning}</source>
        <translation>{line} Внимание: {warning}</translation>
    </message>
    <message>
        <source>Connected to {where}: no team queue there yet; the first desk or worker to start with it sets it up (its user needs CREATE there).</source>
        <translation>Подключено к {where}: общей очереди там ещё нет; её создаст первое рабочее место или обработчик, запущенный с ней (её пользователю нужно право CREATE там).</translation>
    </message>
    <message>
        <source>Connected to the team queue {where} (schema {version}): {working} of {total} runners listed as running.</source>
        <translation>Подключено к общей очереди {where} (схема {version}): работают обработчиков: {working} из {total}.</translation>
    </message>
    <message>
        <source>--watch takes a number of seconds greater than 0 (at most a week)</source>
        <translation>--watch принимает число секунд больше 0 (не больше недели)</translation>
    </message>
    <message>
        <source>Cannot use data directory {path}: {error}</source>
        <translation>Не удаётся использовать папку данных {path}: {error}</translation>
    </message>
    <message>
        <source>Cannot write the log file in {path}: {error}</source>
        <translation>Не удаётся записать файл журнала в {path}: {error}</translation>
    </message>
    <message>
        <source>is the data directory read-only or the disk full?</source>
        <translation>папка данных только для чтения или диск заполнен?</translation>
    </message>
    <message>
        <source>the log file {path} could not be written ({error}); logging to it stopped</source>
        <translation>не удалось записать файл журнала {path} ({error}); запись в него прекращена</translation>
    </message>
    <message>
        <source>use one of {kinds}, or nothing for all</source>
        <translation>укажите одно из: {kinds}, или ничего — для всех</translation>
    </message>
    <message>
        <source>stopped by {signal}; the queue keeps what was not finished for the next run</source>
        <translation>остановлено сигналом {signal}; незавершённое остаётся в очереди до следующего запуска</translation>
    </message>
    <message>
        <source>{message} ({hint})</source>
        <translation>{message} ({hint})</translation>
    </message>
</context>
<context>
    <name>MessageBar</name>
    <message>
        <source>Dismiss</source>
        <translation>Закрыть</translation>
    </message>
</context>
<context>
    <name>Noun</name>
    <message>
        <source>order</source>
        <translation>заказ</translation>
    </message>
    <message>
        <source>user</source>
        <translation>пользователь</translation>
    </message>
    <message>
        <source>company</source>
        <translation>компания</translation>
    </message>
    <message>
        <source>deal</source>
        <translation>сделка</translation>
    </message>
    <message>
        <source>contact</source>
        <translation>контакт</translation>
    </message>
</context>
<context>
    <name>OverviewTab</name>
    <message>
        <source>Orders ↔ deals</source>
        <translation>Заказы ↔ сделки</translation>
    </message>
    <message>
        <source>Users ↔ contacts</source>
        <translation>Пользователи ↔ контакты</translation>
    </message>
    <message>
        <source>Companies ↔ companies</source>
        <translation>Компании ↔ компании</translation>
    </message>
    <message>
        <source>No data yet</source>
        <translation>Данных пока нет</translation>
    </message>
    <message>
        <source>Job queue</source>
        <translation>Очередь заданий</translation>
    </message>
    <message>
        <source>What the last reconcile cost the portal</source>
        <translation>Во что последняя сверка обошлась Битрикс24</translation>
    </message>
    <message>
        <source>Last hour: jobs done / failed per minute, time throttled</source>
        <translation>Последний час: выполнено / с ошибкой за минуту, ожидание лимита</translation>
    </message>
    <message numerus="yes">
        <source>Show the %n job(s) in doubt</source>
        <translation>
            <numerusform>Показать %Ln задание с неизвестным результатом</numerusform>
            <numerusform>Показать %Ln задания с неизвестным результатом</numerusform>
            <numerusform>Показать %Ln заданий с неизвестным результатом</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Show the %n dead job(s)</source>
        <translation>
            <numerusform>Показать %Ln задание с исчерпанными попытками</numerusform>
            <numerusform>Показать %Ln задания с исчерпанными попытками</numerusform>
            <numerusform>Показать %Ln заданий с исчерпанными попытками</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{kinds}: show the %n record(s) that need attention</source>
        <translation>
            <numerusform>{kinds}: показать %Ln запись, требующую внимания</numerusform>
            <numerusform>{kinds}: показать %Ln записи, требующие внимания</numerusform>
            <numerusform>{kinds}: показать %Ln записей, требующих внимания</numerusform>
        </translation>
    </message>
    <message>
        <source>Needs attention</source>
        <translation>Требует внимания</translation>
    </message>
    <message>
        <source>Everything is in sync</source>
        <translation>Всё синхронизировано</translation>
    </message>
    <message numerus="yes">
        <source>%n portal request(s); operating time per method:</source>
        <translation>
            <numerusform>%Ln запрос к Битрикс24; время выполнения по методам:</numerusform>
            <numerusform>%Ln запроса к Битрикс24; время выполнения по методам:</numerusform>
            <numerusform>%Ln запросов к Битрикс24; время выполнения по методам:</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n portal request(s)</source>
        <translation>
            <numerusform>%Ln запрос к Битрикс24</numerusform>
            <numerusform>%Ln запроса к Битрикс24</numerusform>
            <numerusform>%Ln запросов к Битрикс24</numerusform>
        </translation>
    </message>
    <message>
        <source>{seconds} s</source>
        <translation>{seconds} с</translation>
    </message>
</context>
<context>
    <name>PlanDialog</name>
    <message numerus="yes">
        <source>Queue %n job(s)</source>
        <translation>
            <numerusform>Поставить в очередь %Ln задание</numerusform>
            <numerusform>Поставить в очередь %Ln задания</numerusform>
            <numerusform>Поставить в очередь %Ln заданий</numerusform>
        </translation>
    </message>
    <message>
        <source>The plan: {counts}.</source>
        <translation>План: {counts}.</translation>
    </message>
    <message>
        <source>Nothing to do.</source>
        <translation>Делать ничего не нужно.</translation>
    </message>
    <message numerus="yes">
        <source>Queue %n job(s)?</source>
        <translation>
            <numerusform>Поставить в очередь %Ln задание?</numerusform>
            <numerusform>Поставить в очередь %Ln задания?</numerusform>
            <numerusform>Поставить в очередь %Ln заданий?</numerusform>
        </translation>
    </message>
    <message>
        <source>None of its records exists any more: nothing will be merged.</source>
        <translation>Ни одной из его записей больше нет: объединять нечего.</translation>
    </message>
    <message>
        <source>{record} stays</source>
        <translation>остаётся {record}</translation>
    </message>
    <message numerus="yes">
        <source>{stays}; %n record(s) disappear: {gone} (each is archived first, then merged into it).</source>
        <translation>
            <numerusform>{stays}; исчезает %Ln запись: {gone} (сначала она сохраняется в архив, затем объединяется с оставшейся).</numerusform>
            <numerusform>{stays}; исчезают %Ln записи: {gone} (каждая сначала сохраняется в архив, затем объединяется с оставшейся).</numerusform>
            <numerusform>{stays}; исчезают %Ln записей: {gone} (каждая сначала сохраняется в архив, затем объединяется с оставшейся).</numerusform>
        </translation>
    </message>
    <message>
        <source>{stays}; nothing else disappears.</source>
        <translation>{stays}; больше ничего не исчезает.</translation>
    </message>
    <message>
        <source>Left alone (another integration&apos;s): {list}.</source>
        <translation>Не трогаются (принадлежат другой интеграции): {list}.</translation>
    </message>
    <message>
        <source>stays</source>
        <translation>остаётся</translation>
    </message>
    <message>
        <source>disappears</source>
        <translation>исчезнет</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>Поле</translation>
    </message>
</context>
<context>
    <name>Plural</name>
    <message>
        <source>orders</source>
        <translation>заказов</translation>
    </message>
    <message>
        <source>users</source>
        <translation>пользователей</translation>
    </message>
    <message>
        <source>companies</source>
        <translation>компаний</translation>
    </message>
    <message>
        <source>deals</source>
        <translation>сделок</translation>
    </message>
    <message>
        <source>contacts</source>
        <translation>контактов</translation>
    </message>
</context>
<context>
    <name>Progress</name>
    <message>
        <source>Reading the shop</source>
        <translation>Чтение магазина</translation>
    </message>
    <message>
        <source>Reading deals in Bitrix24</source>
        <translation>Чтение сделок в Битрикс24</translation>
    </message>
    <message>
        <source>Reading contacts in Bitrix24</source>
        <translation>Чтение контактов в Битрикс24</translation>
    </message>
    <message>
        <source>Reading companies in Bitrix24</source>
        <translation>Чтение компаний в Битрикс24</translation>
    </message>
    <message>
        <source>Reading what changed</source>
        <translation>Чтение изменений</translation>
    </message>
    <message>
        <source>Checking for records deleted in Bitrix24</source>
        <translation>Проверка записей, удалённых в Битрикс24</translation>
    </message>
    <message>
        <source>Comparing</source>
        <translation>Сравнение</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Готово</translation>
    </message>
    <message>
        <source>Running the queue</source>
        <translation>Выполнение очереди</translation>
    </message>
</context>
<context>
    <name>QueueTab</name>
    <message>
        <source>Bitrix24 request budget: —</source>
        <translation>Лимит запросов к Битрикс24: —</translation>
    </message>
    <message>
        <source>Search kind, record, error…</source>
        <translation>Поиск по заданию, записи, ошибке…</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>Все состояния</translation>
    </message>
    <message>
        <source>All kinds</source>
        <translation>Все задания</translation>
    </message>
    <message>
        <source>All errors</source>
        <translation>Все ошибки</translation>
    </message>
    <message>
        <source>All runners</source>
        <translation>Все обработчики</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Остановить</translation>
    </message>
    <message>
        <source>Stop the run after the jobs in hand and pause the runner; Resume runner goes on</source>
        <translation>Остановить прогон после заданий, взятых в работу, и приостановить обработчик; «Возобновить обработчик» продолжит</translation>
    </message>
    <message>
        <source>Acts on the selected jobs, or on every job the filter shows when none is selected.</source>
        <translation>Действует на выбранные задания, а если ничего не выбрано — на все, что показывает фильтр.</translation>
    </message>
    <message>
        <source>Runs failed, dead and dropped jobs again; the others are left as they are.</source>
        <translation>Запускает снова задания с ошибкой, с исчерпанными попытками и снятые; остальные не меняются.</translation>
    </message>
    <message>
        <source>Drops waiting, failed, in-doubt and dead jobs: they will not run (Retry brings them back); the others are left as they are.</source>
        <translation>Снимает задания в очереди, с ошибкой, с неизвестным результатом и с исчерпанными попытками: они не будут выполнены («Повторить» вернёт их); остальные не меняются.</translation>
    </message>
    <message>
        <source>For in-doubt jobs whose change did reach Bitrix24: marks them done without sending it again.</source>
        <translation>Для заданий с неизвестным результатом, изменение которых дошло до Битрикс24: отмечает их выполненными, не отправляя снова.</translation>
    </message>
    <message>
        <source>For in-doubt jobs whose change did not reach Bitrix24: queues them to run again.</source>
        <translation>Для заданий с неизвестным результатом, изменение которых не дошло до Битрикс24: снова ставит их в очередь.</translation>
    </message>
    <message numerus="yes">
        <source>Retry %n selected</source>
        <translation>
            <numerusform>Повторить выбранные: %Ln</numerusform>
            <numerusform>Повторить выбранные: %Ln</numerusform>
            <numerusform>Повторить выбранные: %Ln</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Drop %n selected</source>
        <translation>
            <numerusform>Снять выбранные: %Ln</numerusform>
            <numerusform>Снять выбранные: %Ln</numerusform>
            <numerusform>Снять выбранные: %Ln</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Retry %n shown</source>
        <translation>
            <numerusform>Повторить показанные: %Ln</numerusform>
            <numerusform>Повторить показанные: %Ln</numerusform>
            <numerusform>Повторить показанные: %Ln</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Drop %n shown</source>
        <translation>
            <numerusform>Снять показанные: %Ln</numerusform>
            <numerusform>Снять показанные: %Ln</numerusform>
            <numerusform>Снять показанные: %Ln</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark %n shown as done</source>
        <translation>
            <numerusform>Отметить выполненными показанные: %Ln</numerusform>
            <numerusform>Отметить выполненными показанные: %Ln</numerusform>
            <numerusform>Отметить выполненными показанные: %Ln</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-queue %n shown</source>
        <translation>
            <numerusform>Снова в очередь показанные: %Ln</numerusform>
            <numerusform>Снова в очередь показанные: %Ln</numerusform>
            <numerusform>Снова в очередь показанные: %Ln</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark %n selected as done</source>
        <translation>
            <numerusform>Отметить выполненными выбранные: %Ln</numerusform>
            <numerusform>Отметить выполненными выбранные: %Ln</numerusform>
            <numerusform>Отметить выполненными выбранные: %Ln</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-queue %n selected</source>
        <translation>
            <numerusform>Снова в очередь выбранные: %Ln</numerusform>
            <numerusform>Снова в очередь выбранные: %Ln</numerusform>
            <numerusform>Снова в очередь выбранные: %Ln</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RecordKind</name>
    <message>
        <source>Order</source>
        <translation>Заказ</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Пользователь</translation>
    </message>
    <message>
        <source>Company</source>
        <translation>Компания</translation>
    </message>
    <message>
        <source>Deal</source>
        <translation>Сделка</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Контакт</translation>
    </message>
</context>
<context>
    <name>RecordsTab</name>
    <message>
        <source>Queue creation in Bitrix24</source>
        <translation>Создать в Битрикс24</translation>
    </message>
    <message>
        <source>Queue update from the shop</source>
        <translation>Обновить из магазина</translation>
    </message>
    <message>
        <source>Queue merging of duplicates</source>
        <translation>Объединить дубликаты</translation>
    </message>
    <message>
        <source>Queue re-link</source>
        <translation>Перепривязать</translation>
    </message>
    <message>
        <source>Unlink deleted…</source>
        <translation>Отвязать удалённые…</translation>
    </message>
    <message>
        <source>Queue deal creation in Bitrix24</source>
        <translation>Создать сделки в Битрикс24</translation>
    </message>
    <message>
        <source>Queue contact creation in Bitrix24</source>
        <translation>Создать контакты в Битрикс24</translation>
    </message>
    <message>
        <source>Queue company creation in Bitrix24</source>
        <translation>Создать компании в Битрикс24</translation>
    </message>
    <message>
        <source>with queued jobs</source>
        <translation>с заданиями в очереди</translation>
    </message>
    <message>
        <source>with failed jobs</source>
        <translation>с ошибками заданий</translation>
    </message>
    <message>
        <source>Take the shop&apos;s value</source>
        <translation>Взять значение магазина</translation>
    </message>
    <message>
        <source>Keep the shop&apos;s value; the next sync sends it to Bitrix24</source>
        <translation>Оставить значение магазина; следующая синхронизация отправит его в Битрикс24</translation>
    </message>
    <message>
        <source>Take the CRM&apos;s value</source>
        <translation>Взять значение из CRM</translation>
    </message>
    <message>
        <source>Write the value from Bitrix24 into the shop</source>
        <translation>Записать значение из Битрикс24 в магазин</translation>
    </message>
    <message>
        <source>Search key, name, id, state, error…</source>
        <translation>Поиск по ключу, имени, ID, состоянию, ошибке…</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>Все состояния</translation>
    </message>
    <message>
        <source>For records whose Bitrix24 record was deleted there: the shop forgets that id, and the record shows as missing (asks first)</source>
        <translation>Для записей, чья запись в Битрикс24 там удалена: магазин забывает этот ID, и запись показывается как «нет в Битрикс24» (с подтверждением)</translation>
    </message>
    <message>
        <source>{shown} of {total}</source>
        <translation>{shown} из {total}</translation>
    </message>
    <message>
        <source>Copy id</source>
        <translation>Копировать ID</translation>
    </message>
    <message>
        <source>Open in Bitrix24</source>
        <translation>Открыть в Битрикс24</translation>
    </message>
</context>
<context>
    <name>RunnersModel</name>
    <message>
        <source>{host} (this window)</source>
        <translation>{host} (это окно)</translation>
    </message>
    <message>
        <source>the Bitrix Monitor window</source>
        <translation>окно Bitrix Monitor</translation>
    </message>
</context>
<context>
    <name>RunnersTab</name>
    <message>
        <source>Team queue: {where}</source>
        <translation>Общая очередь: {where}</translation>
    </message>
    <message>
        <source>{host} (process {pid})</source>
        <translation>{host} (процесс {pid})</translation>
    </message>
    <message numerus="yes">
        <source>%n runner(s) silent: {names}. No heartbeat for longer than a lease ({seconds} s): killed, hung or cut off from the queue&apos;s database. Their jobs are picked up again when their leases run out.</source>
        <translation>
            <numerusform>%Ln обработчик молчит: {names}. Нет сигнала дольше срока аренды ({seconds} с): процесс убит, завис или потерял связь с базой очереди. Его задания будут взяты снова, когда истечёт их аренда.</numerusform>
            <numerusform>%Ln обработчика молчат: {names}. Нет сигнала дольше срока аренды ({seconds} с): процессы убиты, зависли или потеряли связь с базой очереди. Их задания будут взяты снова, когда истечёт их аренда.</numerusform>
            <numerusform>%Ln обработчиков молчат: {names}. Нет сигнала дольше срока аренды ({seconds} с): процессы убиты, зависли или потеряли связь с базой очереди. Их задания будут взяты снова, когда истечёт их аренда.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Setting</name>
    <message>
        <source>Database URL</source>
        <translation>Адрес базы данных (URL)</translation>
    </message>
    <message>
        <source>SQLAlchemy URL of the shop database, without the password</source>
        <translation>URL базы данных магазина в формате SQLAlchemy, без пароля</translation>
    </message>
    <message>
        <source>Time zone of stored times</source>
        <translation>Часовой пояс сохранённых времён</translation>
    </message>
    <message>
        <source>Zone of times stored without one, e.g. Europe/Moscow; empty: this computer&apos;s</source>
        <translation>Пояс для времён, сохранённых без пояса, например Europe/Moscow; пусто — пояс этого компьютера</translation>
    </message>
    <message>
        <source>Orders table</source>
        <translation>Таблица заказов</translation>
    </message>
    <message>
        <source>The table holding the orders</source>
        <translation>Таблица, в которой хранятся заказы</translation>
    </message>
    <message>
        <source>Order number column</source>
        <translation>Столбец номера заказа</translation>
    </message>
    <message>
        <source>The table&apos;s primary key column</source>
        <translation>Столбец первичного ключа таблицы</translation>
    </message>
    <message>
        <source>Customer column</source>
        <translation>Столбец покупателя</translation>
    </message>
    <message>
        <source>The column that refers to the users table</source>
        <translation>Столбец, ссылающийся на таблицу пользователей</translation>
    </message>
    <message>
        <source>Deal id column</source>
        <translation>Столбец ID сделки</translation>
    </message>
    <message>
        <source>The column where the Bitrix24 deal id is stored</source>
        <translation>Столбец, в котором хранится ID сделки Битрикс24</translation>
    </message>
    <message>
        <source>Deal title template</source>
        <translation>Шаблон названия сделки</translation>
    </message>
    <message>
        <source>Amount column</source>
        <translation>Столбец суммы</translation>
    </message>
    <message>
        <source>The column with the order amount (the deal&apos;s Amount)</source>
        <translation>Столбец с суммой заказа (поле «Сумма» сделки)</translation>
    </message>
    <message>
        <source>Currency</source>
        <translation>Валюта</translation>
    </message>
    <message>
        <source>Currency code used for every deal, e.g. RUB</source>
        <translation>Код валюты для всех сделок, например RUB</translation>
    </message>
    <message>
        <source>Currency column</source>
        <translation>Столбец валюты</translation>
    </message>
    <message>
        <source>A column with the currency code (overrides the currency above)</source>
        <translation>Столбец с кодом валюты (заменяет валюту выше)</translation>
    </message>
    <message>
        <source>Status column</source>
        <translation>Столбец статуса</translation>
    </message>
    <message>
        <source>The column mapped to the deal&apos;s stage</source>
        <translation>Столбец, который сопоставляется со стадией сделки</translation>
    </message>
    <message>
        <source>Status → stage</source>
        <translation>Статус → стадия</translation>
    </message>
    <message>
        <source>Shop status = stage id, separated by commas: paid=WON, cancelled=LOSE</source>
        <translation>Статус магазина = ID стадии, через запятую: paid=WON, cancelled=LOSE</translation>
    </message>
    <message>
        <source>Stage → status</source>
        <translation>Стадия → статус</translation>
    </message>
    <message>
        <source>For deals moved in the CRM: stage id = shop status, separated by commas: C1:WON=completed; empty: the status → stage list read backwards</source>
        <translation>Для сделок, перемещённых в CRM: ID стадии = статус магазина, через запятую: C1:WON=completed; пусто: список «статус → стадия» в обратную сторону</translation>
    </message>
    <message>
        <source>Who changes fields</source>
        <translation>Кто меняет поля</translation>
    </message>
    <message>
        <source>Field = shop, crm or both: STAGE_ID=both lets either side move the stage (the default)</source>
        <translation>Поле = кто его меняет (=shop: магазин, =crm: CRM, =both: обе стороны); STAGE_ID=both по умолчанию</translation>
    </message>
    <message>
        <source>Pipeline (id)</source>
        <translation>Воронка (ID)</translation>
    </message>
    <message>
        <source>The deal pipeline of the shop&apos;s deals; 0 is the default pipeline</source>
        <translation>Воронка сделок магазина; 0 — общая воронка</translation>
    </message>
    <message>
        <source>Last change column</source>
        <translation>Столбец последнего изменения</translation>
    </message>
    <message>
        <source>Timestamp of the last change (optional)</source>
        <translation>Время последнего изменения (необязательно)</translation>
    </message>
    <message>
        <source>More deal fields</source>
        <translation>Другие поля сделки</translation>
    </message>
    <message>
        <source>Users table</source>
        <translation>Таблица пользователей</translation>
    </message>
    <message>
        <source>The table holding the users</source>
        <translation>Таблица, в которой хранятся пользователи</translation>
    </message>
    <message>
        <source>User number column</source>
        <translation>Столбец номера пользователя</translation>
    </message>
    <message>
        <source>Contact id column</source>
        <translation>Столбец ID контакта</translation>
    </message>
    <message>
        <source>The column where the Bitrix24 contact id is stored</source>
        <translation>Столбец, в котором хранится ID контакта Битрикс24</translation>
    </message>
    <message>
        <source>Full name column</source>
        <translation>Столбец полного имени</translation>
    </message>
    <message>
        <source>Full name (or use the first and last name columns)</source>
        <translation>Полное имя (или укажите столбцы имени и фамилии)</translation>
    </message>
    <message>
        <source>First name column</source>
        <translation>Столбец имени</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>Необязательно</translation>
    </message>
    <message>
        <source>Last name column</source>
        <translation>Столбец фамилии</translation>
    </message>
    <message>
        <source>E-mail column</source>
        <translation>Столбец E-mail</translation>
    </message>
    <message>
        <source>The user&apos;s e-mail address</source>
        <translation>Адрес электронной почты пользователя</translation>
    </message>
    <message>
        <source>Phone column</source>
        <translation>Столбец телефона</translation>
    </message>
    <message>
        <source>The user&apos;s phone number</source>
        <translation>Номер телефона пользователя</translation>
    </message>
    <message>
        <source>More contact fields</source>
        <translation>Другие поля контакта</translation>
    </message>
    <message>
        <source>Who changes contact fields</source>
        <translation>Кто меняет поля контакта</translation>
    </message>
    <message>
        <source>Field = shop, crm or both: PHONE=both takes phone numbers a manager fixes in the CRM back into the shop (others: shop)</source>
        <translation>Поле = кто его меняет (=shop: магазин, =crm: CRM, =both: обе стороны); PHONE=both возвращает в магазин телефон, исправленный менеджером в CRM (остальные поля: =shop)</translation>
    </message>
    <message>
        <source>Company key column</source>
        <translation>Столбец ключа компании</translation>
    </message>
    <message>
        <source>The user&apos;s company: a key of the companies table (optional)</source>
        <translation>Компания пользователя: ключ из таблицы компаний (необязательно)</translation>
    </message>
    <message>
        <source>Companies table</source>
        <translation>Таблица компаний</translation>
    </message>
    <message>
        <source>The table holding the companies; empty: companies are not synced</source>
        <translation>Таблица, в которой хранятся компании; пусто — компании не синхронизируются</translation>
    </message>
    <message>
        <source>Company number column</source>
        <translation>Столбец номера компании</translation>
    </message>
    <message>
        <source>Company id column</source>
        <translation>Столбец ID компании</translation>
    </message>
    <message>
        <source>The column where the Bitrix24 company id is stored, or @links</source>
        <translation>Столбец, в котором хранится ID компании Битрикс24, или @links</translation>
    </message>
    <message>
        <source>Company name column</source>
        <translation>Столбец названия компании</translation>
    </message>
    <message>
        <source>The company&apos;s name</source>
        <translation>Название компании</translation>
    </message>
    <message>
        <source>More company fields</source>
        <translation>Другие поля компании</translation>
    </message>
    <message>
        <source>Who changes company fields</source>
        <translation>Кто меняет поля компании</translation>
    </message>
    <message>
        <source>Field = shop, crm or both: PHONE=both takes a phone fixed in the CRM back into the shop (others: shop)</source>
        <translation>Поле = кто его меняет (=shop: магазин, =crm: CRM, =both: обе стороны); PHONE=both возвращает в магазин телефон, исправленный в CRM (остальные поля: =shop)</translation>
    </message>
    <message>
        <source>Id table</source>
        <translation>Таблица ID</translation>
    </message>
    <message>
        <source>A table of Bitrix24 ids, for id columns set to @links; empty: none</source>
        <translation>Таблица ID Битрикс24 для столбцов ID со значением @links; пусто — нет</translation>
    </message>
    <message>
        <source>Record kind column</source>
        <translation>Столбец вида записи</translation>
    </message>
    <message>
        <source>The column saying which Bitrix24 record a row is for</source>
        <translation>Столбец, указывающий, к какой записи Битрикс24 относится строка</translation>
    </message>
    <message>
        <source>Shop key column</source>
        <translation>Столбец ключа магазина</translation>
    </message>
    <message>
        <source>The column with the shop record&apos;s key</source>
        <translation>Столбец с ключом записи магазина</translation>
    </message>
    <message>
        <source>Bitrix24 id column</source>
        <translation>Столбец ID Битрикс24</translation>
    </message>
    <message>
        <source>The column with the Bitrix24 id</source>
        <translation>Столбец с ID в Битрикс24</translation>
    </message>
    <message>
        <source>Record kind values</source>
        <translation>Значения вида записи</translation>
    </message>
    <message>
        <source>What the kind column holds for each: deal=…, contact=…, company=…</source>
        <translation>Что хранит столбец вида для каждой записи: deal=…, contact=…, company=…</translation>
    </message>
    <message>
        <source>Bitrix24 plan</source>
        <translation>Тариф Битрикс24</translation>
    </message>
    <message>
        <source>How fast Bitrix24 takes requests: your plan, or burst=X,drain=Y</source>
        <translation>С какой скоростью Битрикс24 принимает запросы: ваш тариф или burst=X,drain=Y</translation>
    </message>
    <message>
        <source>CA certificates (PEM) for a portal with a private certificate</source>
        <translation>Сертификаты CA (PEM) для портала с собственным сертификатом</translation>
    </message>
    <message>
        <source>Wait this long before looking up a creation Bitrix24 did not confirm</source>
        <translation>Сколько ждать, прежде чем искать запись, создание которой Битрикс24 не подтвердил</translation>
    </message>
    <message>
        <source>External source name</source>
        <translation>Название внешнего источника</translation>
    </message>
    <message>
        <source>The deal&apos;s title, with column names in braces: {order_id}</source>
        <translation>Название сделки; имена столбцов в фигурных скобках: {order_id}</translation>
    </message>
    <message>
        <source>More Bitrix24 fields = a column or a template: COMMENTS={column_name}, UF_CRM_X=column_name</source>
        <translation>Другие поля Битрикс24 = столбец или шаблон: COMMENTS={column_name}, UF_CRM_X=column_name</translation>
    </message>
    <message>
        <source>Stamped on every record the app creates, so it knows its own</source>
        <translation>Ставится на каждую созданную запись, чтобы приложение узнавало свои</translation>
    </message>
    <message>
        <source>Certificate file</source>
        <translation>Файл сертификатов</translation>
    </message>
    <message>
        <source>Answer timeout</source>
        <translation>Время ожидания ответа</translation>
    </message>
    <message>
        <source>How long to wait for Bitrix24 to answer</source>
        <translation>Сколько ждать ответа Битрикс24</translation>
    </message>
    <message>
        <source>Check the shop every</source>
        <translation>Проверять магазин каждые</translation>
    </message>
    <message>
        <source>How often to look for changes in the shop; 0: never by itself</source>
        <translation>Как часто искать изменения в магазине; 0 — только вручную</translation>
    </message>
    <message>
        <source>Attempts per job</source>
        <translation>Попыток на задание</translation>
    </message>
    <message>
        <source>After this many failures a job stops retrying</source>
        <translation>После стольких ошибок задание больше не повторяется</translation>
    </message>
    <message>
        <source>Re-create deleted records</source>
        <translation>Создавать заново удалённые записи</translation>
    </message>
    <message>
        <source>Create again the records someone deleted in Bitrix24</source>
        <translation>Снова создавать записи, которые кто-то удалил в Битрикс24</translation>
    </message>
    <message>
        <source>Duplicates</source>
        <translation>Дубликаты</translation>
    </message>
    <message>
        <source>What to do when duplicates conflict: leave them, or archive and merge</source>
        <translation>Что делать при конфликте дубликатов: оставить или сохранить в архив и объединить</translation>
    </message>
    <message>
        <source>First retry after</source>
        <translation>Первый повтор через</translation>
    </message>
    <message>
        <source>Wait before the first retry of a failed job; it doubles each time</source>
        <translation>Пауза перед первым повтором задания с ошибкой; каждый раз удваивается</translation>
    </message>
    <message>
        <source>Longest wait between retries</source>
        <translation>Наибольшая пауза между повторами</translation>
    </message>
    <message>
        <source>Retries never wait longer than this</source>
        <translation>Повторы никогда не ждут дольше</translation>
    </message>
    <message>
        <source>Look up an unconfirmed creation after</source>
        <translation>Искать неподтверждённое создание через</translation>
    </message>
    <message>
        <source>Team queue URL</source>
        <translation>URL общей очереди</translation>
    </message>
    <message>
        <source>The PostgreSQL database the team&apos;s desks and workers share, without the password, e.g. postgresql://bitrix_monitor@db.example/bitrix_monitor; empty: this desk&apos;s own queue</source>
        <translation>База PostgreSQL, общая для рабочих мест и серверных обработчиков команды, без пароля, например postgresql://bitrix_monitor@db.example/bitrix_monitor; пусто — своя очередь этого рабочего места</translation>
    </message>
    <message>
        <source>This desk&apos;s name</source>
        <translation>Имя этого рабочего места</translation>
    </message>
    <message>
        <source>What the team&apos;s activity and list of runners call this desk, e.g. anna@office; empty: your user name at this computer (user@host)</source>
        <translation>Как это рабочее место называется в действиях команды и в списке обработчиков, например anna@office; пусто — имя пользователя на этом компьютере (user@host)</translation>
    </message>
    <message>
        <source>Keep finished jobs for</source>
        <translation>Хранить завершённые задания</translation>
    </message>
    <message>
        <source>Done and cancelled jobs older than this are deleted once a day; each record&apos;s last done job stays (its last synced time); e.g. 90d; 0: keep all</source>
        <translation>Выполненные и отменённые задания старше этого срока удаляются раз в сутки; последнее выполненное задание каждой записи остаётся (время её последней синхронизации); например, 90d; 0: хранить все</translation>
    </message>
    <message>
        <source>Read everything again every</source>
        <translation>Полная проверка каждые</translation>
    </message>
    <message>
        <source>Between full checks a refresh reads only what changed; e.g. 24h, 90m; 0: only when asked</source>
        <translation>Между полными проверками обновление читает только изменённое; например 24h, 90m; 0: только по запросу</translation>
    </message>
    <message>
        <source>Look for deleted records every</source>
        <translation>Искать удалённые записи каждые</translation>
    </message>
    <message>
        <source>How often to check that records in Bitrix24 still exist; e.g. 1h; 0: at full checks</source>
        <translation>Как часто проверять, что записи в Битрикс24 ещё существуют; например 1h; 0: при полных проверках</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Язык</translation>
    </message>
    <message>
        <source>The language of the window; changes at once</source>
        <translation>Язык окна; меняется сразу</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Standard</source>
        <translation>Стандартный</translation>
    </message>
    <message>
        <source>Enterprise</source>
        <translation>Энтерпрайз</translation>
    </message>
    <message>
        <source>Leave it to a person</source>
        <translation>Оставить решение сотруднику</translation>
    </message>
    <message>
        <source>Archive, then merge</source>
        <translation>Сохранить в архив и объединить</translation>
    </message>
    <message>
        <source>Shop</source>
        <translation>Магазин</translation>
    </message>
    <message>
        <source>Orders → deals</source>
        <translation>Заказы → сделки</translation>
    </message>
    <message>
        <source>Users → contacts</source>
        <translation>Пользователи → контакты</translation>
    </message>
    <message>
        <source>Bitrix24</source>
        <translation>Битрикс24</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>Синхронизация</translation>
    </message>
    <message>
        <source>Companies → companies</source>
        <translation>Компании → компании</translation>
    </message>
    <message>
        <source>Id table</source>
        <translation>Таблица ID</translation>
    </message>
    <message>
        <source>Team queue</source>
        <translation>Общая очередь</translation>
    </message>
    <message>
        <source>{where}: {part} is not key=value</source>
        <translation>{where}: {part} — не в виде ключ=значение</translation>
    </message>
    <message>
        <source>e.g. paid=WON, cancelled=LOSE</source>
        <translation>например paid=WON, cancelled=LOSE</translation>
    </message>
    <message>
        <source>{problem} — showing the defaults; saving replaces the file.</source>
        <translation>{problem} — показаны значения по умолчанию; сохранение заменит файл.</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>s</source>
        <comment>seconds</comment>
        <translation>с</translation>
    </message>
    <message>
        <source>System language ({name})</source>
        <translation>Язык системы ({name})</translation>
    </message>
    <message>
        <source>Database password</source>
        <translation>Пароль базы данных</translation>
    </message>
    <message>
        <source>Queue database password</source>
        <translation>Пароль базы очереди</translation>
    </message>
    <message>
        <source>The team queue&apos;s database password — kept in the keyring, never in the file</source>
        <translation>Пароль базы общей очереди — хранится в хранилище паролей, никогда в файле</translation>
    </message>
    <message>
        <source>Webhook URL</source>
        <translation>Адрес вебхука</translation>
    </message>
    <message>
        <source>https://PORTAL/rest/USER_ID/SECRET/ — kept in the keyring, never in the file</source>
        <translation>https://PORTAL/rest/USER_ID/SECRET/ — хранится в системном хранилище паролей, не в файле</translation>
    </message>
    <message>
        <source>stored in the keyring — leave empty to keep it</source>
        <translation>сохранён в хранилище паролей — оставьте пустым, чтобы не менять</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>не задан</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>Проверить подключение</translation>
    </message>
    <message>
        <source>Check the mapping</source>
        <translation>Проверить сопоставление</translation>
    </message>
    <message>
        <source>Not available here: nothing to run the test with</source>
        <translation>Здесь недоступно: проверку нечем выполнить</translation>
    </message>
    <message>
        <source>Secrets are kept in: {where}</source>
        <translation>Секреты хранятся в: {where}</translation>
    </message>
    <message>
        <source>[shop] url: set the database URL the password belongs to</source>
        <translation>[shop] url: укажите адрес базы данных, к которой относится пароль</translation>
    </message>
    <message>
        <source>[queue] url: set the team queue&apos;s URL the password belongs to</source>
        <translation>[queue] url: укажите URL общей очереди, к которой относится пароль</translation>
    </message>
    <message>
        <source>Connection tests are not available here</source>
        <translation>Проверка подключения здесь недоступна</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>Проверка…</translation>
    </message>
    <message>
        <source>Enter the webhook URL first</source>
        <translation>Сначала введите адрес вебхука</translation>
    </message>
    <message>
        <source>Enter the shop database URL first</source>
        <translation>Сначала введите адрес базы данных магазина</translation>
    </message>
    <message>
        <source>Enter the team queue&apos;s URL first</source>
        <translation>Сначала введите URL общей очереди</translation>
    </message>
    <message>
        <source>The mapping matches the database</source>
        <translation>Сопоставление соответствует базе данных</translation>
    </message>
    <message>
        <source>The webhook URL must look like https://PORTAL/rest/USER_ID/SECRET/</source>
        <translation>Адрес вебхука должен иметь вид https://PORTAL/rest/USER_ID/SECRET/</translation>
    </message>
</context>
<context>
    <name>State</name>
    <message>
        <source>in sync</source>
        <translation>синхронизировано</translation>
    </message>
    <message>
        <source>missing</source>
        <translation>нет в Битрикс24</translation>
    </message>
    <message>
        <source>unlinked</source>
        <translation>не привязано</translation>
    </message>
    <message>
        <source>stale link</source>
        <translation>устаревшая ссылка</translation>
    </message>
    <message>
        <source>outdated</source>
        <translation>устарело</translation>
    </message>
    <message>
        <source>duplicated</source>
        <translation>есть дубликаты</translation>
    </message>
    <message>
        <source>invalid</source>
        <translation>некорректно</translation>
    </message>
    <message>
        <source>shared link</source>
        <translation>общая ссылка</translation>
    </message>
    <message>
        <source>changed in CRM</source>
        <translation>изменено в CRM</translation>
    </message>
    <message>
        <source>conflict</source>
        <translation>конфликт</translation>
    </message>
    <message>
        <source>needs a stage mapping</source>
        <translation>нужно сопоставить стадию</translation>
    </message>
    <message>
        <source>orphans</source>
        <translation>сироты</translation>
    </message>
    <message>
        <source>needs attention</source>
        <translation>требует внимания</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>в очереди</translation>
    </message>
    <message>
        <source>running</source>
        <translation>выполняется</translation>
    </message>
    <message>
        <source>in doubt</source>
        <translation>результат неизвестен</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>ошибка</translation>
    </message>
    <message>
        <source>dead</source>
        <translation>попытки исчерпаны</translation>
    </message>
    <message>
        <source>done</source>
        <translation>выполнено</translation>
    </message>
    <message>
        <source>dropped</source>
        <translation>снято</translation>
    </message>
    <message>
        <source>working</source>
        <translation>работает</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>остановлен</translation>
    </message>
    <message>
        <source>silent</source>
        <translation>молчит</translation>
    </message>
</context>
<context>
    <name>StateHelp</name>
    <message>
        <source>Linked, and the portal record matches the shop.</source>
        <translation>Привязано, и запись в Битрикс24 совпадает с магазином.</translation>
    </message>
    <message>
        <source>No record in Bitrix24 yet: a creation job makes one.</source>
        <translation>В Битрикс24 записи ещё нет: задание на создание её сделает.</translation>
    </message>
    <message>
        <source>Bitrix24 has a record made for it, but the shop does not store its id yet.</source>
        <translation>В Битрикс24 есть созданная для неё запись, но магазин ещё не хранит её ID.</translation>
    </message>
    <message>
        <source>The shop stores an id that Bitrix24 no longer has (deleted or merged).</source>
        <translation>Магазин хранит ID, которого в Битрикс24 больше нет (удалено или объединено).</translation>
    </message>
    <message>
        <source>Linked, but some field values differ.</source>
        <translation>Привязано, но значения некоторых полей различаются.</translation>
    </message>
    <message>
        <source>More than one Bitrix24 record for this shop record.</source>
        <translation>Для этой записи магазина в Битрикс24 больше одной записи.</translation>
    </message>
    <message>
        <source>The shop row cannot be synced as it is stored.</source>
        <translation>Строку магазина нельзя синхронизировать в том виде, в каком она сохранена.</translation>
    </message>
    <message>
        <source>Another shop record stores the same Bitrix24 id: nothing is written until resolved.</source>
        <translation>Другая запись магазина хранит тот же ID Битрикс24: ничего не записывается, пока это не решено.</translation>
    </message>
    <message>
        <source>Changed in Bitrix24; not written to the shop yet (see the note).</source>
        <translation>Изменено в Битрикс24; в магазин ещё не записано (см. примечание).</translation>
    </message>
    <message>
        <source>Changed in the shop and in Bitrix24: choose which value stays.</source>
        <translation>Изменено и в магазине, и в Битрикс24: выберите, какое значение оставить.</translation>
    </message>
    <message>
        <source>Moved in Bitrix24 to a stage the shop has no status for: map it in the settings.</source>
        <translation>Перемещено в Битрикс24 на стадию, для которой в магазине нет статуса: сопоставьте её в настройках.</translation>
    </message>
    <message>
        <source>Bitrix24 records made by this app that match no shop row.</source>
        <translation>Записи Битрикс24, созданные приложением, которым не соответствует ни одна строка магазина.</translation>
    </message>
    <message>
        <source>Every record that is not in sync.</source>
        <translation>Все записи, которые не синхронизированы.</translation>
    </message>
    <message>
        <source>Waiting for the runner.</source>
        <translation>Ждёт обработчика.</translation>
    </message>
    <message>
        <source>Being sent to Bitrix24 now.</source>
        <translation>Отправляется в Битрикс24 прямо сейчас.</translation>
    </message>
    <message>
        <source>Sent, but the answer was lost: settle it as done or retry it.</source>
        <translation>Отправлено, но ответ потерялся: отметьте как выполненное или повторите.</translation>
    </message>
    <message>
        <source>Failed; it is retried later by itself.</source>
        <translation>Ошибка; позже задание повторится само.</translation>
    </message>
    <message>
        <source>Failed every attempt: retry it after fixing the cause.</source>
        <translation>Все попытки закончились ошибкой: устраните причину и повторите.</translation>
    </message>
    <message>
        <source>Finished.</source>
        <translation>Выполнено.</translation>
    </message>
    <message>
        <source>Dropped: it will not run; Retry brings it back.</source>
        <translation>Снято: не будет выполнено; «Повторить» вернёт его в очередь.</translation>
    </message>
</context>
<context>
    <name>TeamEvent</name>
    <message>
        <source>Queued by {who}</source>
        <translation>Поставлено в очередь: {who}</translation>
    </message>
    <message>
        <source>Queued again by {who}</source>
        <translation>Снова поставлено в очередь: {who}</translation>
    </message>
    <message>
        <source>Done by {who}</source>
        <translation>Выполнено: {who}</translation>
    </message>
    <message>
        <source>Failed on {who}</source>
        <translation>Ошибка у {who}</translation>
    </message>
    <message>
        <source>Given up on {who}</source>
        <translation>Попытки исчерпаны у {who}</translation>
    </message>
    <message>
        <source>In doubt on {who}</source>
        <translation>Результат неизвестен у {who}</translation>
    </message>
    <message>
        <source>Retried by {who}</source>
        <translation>Повторено: {who}</translation>
    </message>
    <message>
        <source>Cancelled by {who}</source>
        <translation>Отменено: {who}</translation>
    </message>
    <message>
        <source>Settled by {who}</source>
        <translation>Решено вручную: {who}</translation>
    </message>
    <message>
        <source>Closed by {who}: the record is in sync</source>
        <translation>Закрыто ({who}): запись синхронизирована</translation>
    </message>
    <message>
        <source>Moved into the team queue by {who}</source>
        <translation>Перенесено в общую очередь: {who}</translation>
    </message>
    <message>
        <source>{who} went silent: its job was taken back</source>
        <translation>{who} замолчал: его задание взято снова</translation>
    </message>
    <message>
        <source>Superseded by a newer change from the CRM, seen by {who}</source>
        <translation>Заменено более новым изменением из CRM, увидел {who}</translation>
    </message>
    <message>
        <source>{kind} for record {key} (job {id})</source>
        <translation>{kind} для записи {key} (задание {id})</translation>
    </message>
</context>
<context>
    <name>WindowController</name>
    <message>
        <source>No orphan deals: every deal this app made has a shop row.</source>
        <translation>Сиротских сделок нет: у каждой сделки, созданной приложением, есть строка в магазине.</translation>
    </message>
    <message>
        <source>No orphan contacts: every contact this app made has a shop row.</source>
        <translation>Сиротских контактов нет: у каждого контакта, созданного приложением, есть строка в магазине.</translation>
    </message>
    <message>
        <source>No orphan companies: every company this app made has a shop row.</source>
        <translation>Сиротских компаний нет: у каждой компании, созданной приложением, есть строка в магазине.</translation>
    </message>
    <message>
        <source>Opening the demo…</source>
        <translation>Открываем демо…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Подключение…</translation>
    </message>
    <message>
        <source>Open the settings to connect your shop and Bitrix24, or look around in the demo.</source>
        <translation>Откройте настройки, чтобы подключить магазин и Битрикс24, или осмотритесь в демо.</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Нет подключения</translation>
    </message>
    <message>
        <source>open the settings or the demo first</source>
        <translation>сначала откройте настройки или демо</translation>
    </message>
    <message>
        <source>Refresh cancelled</source>
        <translation>Обновление отменено</translation>
    </message>
    <message>
        <source>Snapshot taken {time}</source>
        <translation>Данные получены в {time}</translation>
    </message>
    <message numerus="yes">
        <source>Checked %Ln order(s)</source>
        <translation>
            <numerusform>Проверен %Ln заказ</numerusform>
            <numerusform>Проверено %Ln заказа</numerusform>
            <numerusform>Проверено %Ln заказов</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %Ln user(s)</source>
        <translation>
            <numerusform>, %Ln пользователь</numerusform>
            <numerusform>, %Ln пользователя</numerusform>
            <numerusform>, %Ln пользователей</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source> and %Ln company(-ies)</source>
        <translation>
            <numerusform> и %Ln компания</numerusform>
            <numerusform> и %Ln компании</numerusform>
            <numerusform> и %Ln компаний</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source> and %Ln user(s)</source>
        <translation>
            <numerusform> и %Ln пользователь</numerusform>
            <numerusform> и %Ln пользователя</numerusform>
            <numerusform> и %Ln пользователей</numerusform>
        </translation>
    </message>
    <message>
        <source> at {time}.</source>
        <translation> в {time}.</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) would bring everything in step.</source>
        <translation>
            <numerusform>Чтобы всё совпало, нужно %Ln задание.</numerusform>
            <numerusform>Чтобы всё совпало, нужно %Ln задания.</numerusform>
            <numerusform>Чтобы всё совпало, нужно %Ln заданий.</numerusform>
        </translation>
    </message>
    <message>
        <source>Warning: {text}</source>
        <translation>Внимание: {text}</translation>
    </message>
    <message>
        <source>Jobs done: {done} of {total}</source>
        <translation>Выполнено заданий: {done} из {total}</translation>
    </message>
    <message>
        <source>measuring the rate…</source>
        <translation>скорость измеряется…</translation>
    </message>
    <message>
        <source>{rate} a minute</source>
        <translation>{rate} в минуту</translation>
    </message>
    <message>
        <source>under a minute left</source>
        <translation>осталось меньше минуты</translation>
    </message>
    <message numerus="yes">
        <source>about %n minute(s) left</source>
        <translation>
            <numerusform>осталось около %Ln минуты</numerusform>
            <numerusform>осталось около %Ln минут</numerusform>
            <numerusform>осталось около %Ln минут</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>about %n hour(s) left</source>
        <translation>
            <numerusform>осталось около %Ln часа</numerusform>
            <numerusform>осталось около %Ln часов</numerusform>
            <numerusform>осталось около %Ln часов</numerusform>
        </translation>
    </message>
    <message>
        <source>Bitrix24 request budget: {left} of {capacity} left, refills {rate} per second</source>
        <translation>Лимит запросов к Битрикс24: осталось {left} из {capacity}, восполняется по {rate} в секунду</translation>
    </message>
    <message numerus="yes">
        <source>held back %n time(s)</source>
        <translation>
            <numerusform>ожидание лимита %Ln раз</numerusform>
            <numerusform>ожидание лимита %Ln раза</numerusform>
            <numerusform>ожидание лимита %Ln раз</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>refused as overloaded %n time(s)</source>
        <translation>
            <numerusform>отказ из-за перегрузки %Ln раз</numerusform>
            <numerusform>отказ из-за перегрузки %Ln раза</numerusform>
            <numerusform>отказ из-за перегрузки %Ln раз</numerusform>
        </translation>
    </message>
    <message>
        <source>{method} {seconds} s</source>
        <translation>{method} {seconds} с</translation>
    </message>
    <message>
        <source>busiest methods: {list}</source>
        <translation>самые нагруженные методы: {list}</translation>
    </message>
    <message>
        <source>Bitrix24 cannot be reached (since {time}).</source>
        <translation>Битрикс24 недоступен (с {time}).</translation>
    </message>
    <message>
        <source>The shop&apos;s database cannot be reached (since {time}).</source>
        <translation>База данных магазина недоступна (с {time}).</translation>
    </message>
    <message>
        <source>The app tries again by itself.</source>
        <translation>Приложение само пробует подключиться снова.</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Нет связи</translation>
    </message>
    <message>
        <source>The counts below are from {time} and may be out of date.</source>
        <translation>Числа ниже — на {time} и могут быть устаревшими.</translation>
    </message>
    <message>
        <source>No counts yet.</source>
        <translation>Чисел пока нет.</translation>
    </message>
    <message>
        <source>Not now: {reason}</source>
        <translation>Сейчас недоступно: {reason}</translation>
    </message>
    <message>
        <source>Runner waiting for Bitrix24</source>
        <translation>Обработчик ждёт Битрикс24</translation>
    </message>
    <message>
        <source>Runner waiting for the shop&apos;s database</source>
        <translation>Обработчик ждёт базу данных магазина</translation>
    </message>
    <message>
        <source>Runner waiting for Bitrix24 and the shop&apos;s database</source>
        <translation>Обработчик ждёт Битрикс24 и базу данных магазина</translation>
    </message>
    <message>
        <source>Runner paused</source>
        <translation>Обработчик приостановлен</translation>
    </message>
    <message>
        <source>Runner active</source>
        <translation>Обработчик работает</translation>
    </message>
    <message>
        <source>Resume runner</source>
        <translation>Возобновить обработчик</translation>
    </message>
    <message>
        <source>Pause runner</source>
        <translation>Приостановить обработчик</translation>
    </message>
    <message>
        <source>Nothing to queue: the selected records need no such job.</source>
        <translation>Ставить в очередь нечего: выбранным записям такое задание не нужно.</translation>
    </message>
    <message numerus="yes">
        <source>Queued %n job(s)</source>
        <translation>
            <numerusform>В очередь поставлено %Ln задание</numerusform>
            <numerusform>В очередь поставлено %Ln задания</numerusform>
            <numerusform>В очередь поставлено %Ln заданий</numerusform>
        </translation>
    </message>
    <message>
        <source>Select the records first.</source>
        <translation>Сначала выберите записи.</translation>
    </message>
    <message>
        <source>Nothing to re-link: the record it stored no longer exists in Bitrix24 and none other was found. Re-create it (a new record from the shop&apos;s data) or unlink it.</source>
        <translation>Привязывать не к чему: записи, которую хранил магазин, больше нет в Битрикс24, и другой не найдено. Создайте её заново (новая запись по данным магазина) или отвяжите.</translation>
    </message>
    <message>
        <source>None of the selected or shown jobs can take this action.</source>
        <translation>Ни одно из выбранных или показанных заданий не подходит для этого действия.</translation>
    </message>
    <message numerus="yes">
        <source>Retry %n job(s)? They run again from the start.</source>
        <translation>
            <numerusform>Повторить %Ln задание? Оно будет выполнено заново.</numerusform>
            <numerusform>Повторить %Ln задания? Они будут выполнены заново.</numerusform>
            <numerusform>Повторить %Ln заданий? Они будут выполнены заново.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Drop %n job(s)? They will not run; Retry brings them back.</source>
        <translation>
            <numerusform>Снять %Ln задание? Оно не будет выполнено; «Повторить» вернёт его.</numerusform>
            <numerusform>Снять %Ln задания? Они не будут выполнены; «Повторить» вернёт их.</numerusform>
            <numerusform>Снять %Ln заданий? Они не будут выполнены; «Повторить» вернёт их.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Drop %n job(s)</source>
        <translation>
            <numerusform>Снять %Ln задание</numerusform>
            <numerusform>Снять %Ln задания</numerusform>
            <numerusform>Снять %Ln заданий</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark %n job(s) as done? Their change is taken as made in Bitrix24.</source>
        <translation>
            <numerusform>Отметить %Ln задание как выполненное? Его изменение считается внесённым в Битрикс24.</numerusform>
            <numerusform>Отметить %Ln задания как выполненные? Их изменение считается внесённым в Битрикс24.</numerusform>
            <numerusform>Отметить %Ln заданий как выполненные? Их изменение считается внесённым в Битрикс24.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-queue %n job(s)? Their change is sent to Bitrix24 again.</source>
        <translation>
            <numerusform>Снова поставить в очередь %Ln задание? Его изменение будет отправлено в Битрикс24 ещё раз.</numerusform>
            <numerusform>Снова поставить в очередь %Ln задания? Их изменение будет отправлено в Битрикс24 ещё раз.</numerusform>
            <numerusform>Снова поставить в очередь %Ln заданий? Их изменение будет отправлено в Битрикс24 ещё раз.</numerusform>
        </translation>
    </message>
    <message>
        <source>A dropped pull job keeps the shop&apos;s value: the change made in Bitrix24 that it carried is overruled, and the shop&apos;s value is sent there.</source>
        <translation>Снятое задание переноса оставляет значение магазина: изменение, сделанное в Битрикс24, которое оно несло, отменяется, и в Битрикс24 отправляется значение магазина.</translation>
    </message>
    <message>
        <source>Drop ({n})</source>
        <translation>Снять ({n})</translation>
    </message>
    <message numerus="yes">
        <source>Retry %n job(s)</source>
        <translation>
            <numerusform>Повторить %Ln задание</numerusform>
            <numerusform>Повторить %Ln задания</numerusform>
            <numerusform>Повторить %Ln заданий</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark %n job(s) as done</source>
        <translation>
            <numerusform>Отметить %Ln задание как выполненное</numerusform>
            <numerusform>Отметить %Ln задания как выполненные</numerusform>
            <numerusform>Отметить %Ln заданий как выполненные</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-queue %n job(s)</source>
        <translation>
            <numerusform>Снова поставить в очередь %Ln задание</numerusform>
            <numerusform>Снова поставить в очередь %Ln задания</numerusform>
            <numerusform>Снова поставить в очередь %Ln заданий</numerusform>
        </translation>
    </message>
    <message>
        <source>No job is selected: this takes every job the filter shows.</source>
        <translation>Ни одно задание не выбрано: действие коснётся всех заданий, которые показывает фильтр.</translation>
    </message>
    <message>
        <source>Keep them</source>
        <translation>Оставить их</translation>
    </message>
    <message>
        <source>Retry ({n})</source>
        <translation>Повторить ({n})</translation>
    </message>
    <message>
        <source>Settle in-doubt as done ({n})</source>
        <translation>Считать выполненными ({n})</translation>
    </message>
    <message>
        <source>Settle in-doubt: retry ({n})</source>
        <translation>Неизвестный результат: повторить ({n})</translation>
    </message>
    <message>
        <source>Copy job ids</source>
        <translation>Копировать ID заданий</translation>
    </message>
    <message>
        <source>{id} ({title}, origin id {origin})</source>
        <translation>{id} ({title}, ID во внешнем источнике {origin})</translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>и ещё %Ln</numerusform>
            <numerusform>и ещё %Ln</numerusform>
            <numerusform>и ещё %Ln</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n orphan contact(s) in Bitrix24 match no shop row: {list}.</source>
        <translation>
            <numerusform>%Ln сиротский контакт в Битрикс24 не соответствует ни одной строке магазина: {list}.</numerusform>
            <numerusform>%Ln сиротских контакта в Битрикс24 не соответствуют ни одной строке магазина: {list}.</numerusform>
            <numerusform>%Ln сиротских контактов в Битрикс24 не соответствуют ни одной строке магазина: {list}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n orphan company(-ies) in Bitrix24 match no shop row: {list}.</source>
        <translation>
            <numerusform>%Ln сиротская компания в Битрикс24 не соответствует ни одной строке магазина: {list}.</numerusform>
            <numerusform>%Ln сиротские компании в Битрикс24 не соответствуют ни одной строке магазина: {list}.</numerusform>
            <numerusform>%Ln сиротских компаний в Битрикс24 не соответствуют ни одной строке магазина: {list}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n orphan deal(s) in Bitrix24 match no shop row: {list}.</source>
        <translation>
            <numerusform>%Ln сиротская сделка в Битрикс24 не соответствует ни одной строке магазина: {list}.</numerusform>
            <numerusform>%Ln сиротские сделки в Битрикс24 не соответствуют ни одной строке магазина: {list}.</numerusform>
            <numerusform>%Ln сиротских сделок в Битрикс24 не соответствуют ни одной строке магазина: {list}.</numerusform>
        </translation>
    </message>
    <message>
        <source>Took the CRM&apos;s value into the shop.</source>
        <translation>Значение из CRM записано в магазин.</translation>
    </message>
    <message>
        <source>Kept the shop&apos;s value; the next sync sends it to Bitrix24.</source>
        <translation>Оставлено значение магазина; следующая синхронизация отправит его в Битрикс24.</translation>
    </message>
    <message>
        <source>Restore {record} «{title}», archived {time}?</source>
        <translation>Восстановить запись «{title}» ({record}), сохранённую в архив {time}?</translation>
    </message>
    <message>
        <source>It is created again in Bitrix24 with the fields it had when it was archived, under a new id. If {shop_record} points at nothing, or at a record that no longer exists, it is pointed at the restored one; otherwise the restored record stands beside the one it keeps, and syncs leave it alone.</source>
        <translation>Она будет создана в Битрикс24 заново, с полями на момент сохранения в архив и с новым ID. Если запись магазина ({shop_record}) ни на что не ссылается или ссылается на удалённую запись, она будет ссылаться на восстановленную; иначе восстановленная запись появится рядом с той, на которую ссылается магазин, и синхронизация её не тронет.</translation>
    </message>
    <message>
        <source>It was restored already, as {id}: nothing new is created.</source>
        <translation>Она уже восстановлена, как {id}: новая запись не создаётся.</translation>
    </message>
    <message>
        <source>Restore {record}</source>
        <translation>Восстановить: {record}</translation>
    </message>
    <message>
        <source>Restoring {record}…</source>
        <translation>Восстановление: {record}…</translation>
    </message>
    <message>
        <source>{record} still exists in Bitrix24: nothing was restored.</source>
        <translation>{record} по-прежнему есть в Битрикс24: ничего не восстановлено.</translation>
    </message>
    <message>
        <source>{record} was restored already, as {new}: nothing was created.</source>
        <translation>{record}: уже восстановлена, как {new}; ничего не создано.</translation>
    </message>
    <message>
        <source>Restored {record} as {new}; {shop_record} now points at it.</source>
        <translation>Восстановлено: {record} → {new}; запись магазина ({shop_record}) теперь ссылается на неё.</translation>
    </message>
    <message>
        <source>Restored {record} as {new}; {shop_record} keeps the record it has, and the restored one stands beside it.</source>
        <translation>Восстановлено: {record} → {new}; запись магазина ({shop_record}) ссылается на прежнюю запись, а восстановленная стоит рядом.</translation>
    </message>
    <message>
        <source>Only a stale link can be unlinked: none of the selected records has one.</source>
        <translation>Отвязать можно только устаревшую ссылку: ни у одной из выбранных записей её нет.</translation>
    </message>
    <message numerus="yes">
        <source>Unlink %n record(s)?</source>
        <translation>
            <numerusform>Отвязать %Ln запись?</numerusform>
            <numerusform>Отвязать %Ln записи?</numerusform>
            <numerusform>Отвязать %Ln записей?</numerusform>
        </translation>
    </message>
    <message>
        <source>The shop forgets the ids of Bitrix24 records that no longer exist ({list}). The records then show as missing; nothing is created in Bitrix24 until someone queues it.</source>
        <translation>Магазин забудет ID записей Битрикс24, которых больше нет ({list}). Затем записи показываются как «нет в Битрикс24»; в Битрикс24 ничего не создаётся, пока кто-нибудь не поставит это в очередь.</translation>
    </message>
    <message numerus="yes">
        <source>Unlink %n record(s)</source>
        <translation>
            <numerusform>Отвязать %Ln запись</numerusform>
            <numerusform>Отвязать %Ln записи</numerusform>
            <numerusform>Отвязать %Ln записей</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Unlinked %n record(s).</source>
        <translation>
            <numerusform>Отвязана %Ln запись.</numerusform>
            <numerusform>Отвязаны %Ln записи.</numerusform>
            <numerusform>Отвязано %Ln записей.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n of these records were deleted or merged in Bitrix24 by someone, not by this app: {list}.</source>
        <translation>
            <numerusform>%Ln из этих записей удалена или объединена в Битрикс24 кем-то, не этим приложением: {list}.</numerusform>
            <numerusform>%Ln из этих записей удалены или объединены в Битрикс24 кем-то, не этим приложением: {list}.</numerusform>
            <numerusform>%Ln из этих записей удалены или объединены в Битрикс24 кем-то, не этим приложением: {list}.</numerusform>
        </translation>
    </message>
    <message>
        <source>Re-creating makes new records from the shop&apos;s data. If they were deleted on purpose, unlink them instead.</source>
        <translation>Создание заново делает новые записи по данным магазина. Если их удалили намеренно, лучше отвяжите их.</translation>
    </message>
    <message numerus="yes">
        <source>Re-create %n record(s)</source>
        <translation>
            <numerusform>Создать заново %Ln запись</numerusform>
            <numerusform>Создать заново %Ln записи</numerusform>
            <numerusform>Создать заново %Ln записей</numerusform>
        </translation>
    </message>
    <message>
        <source>{kind} {key} points at a record Bitrix24 no longer has: re-create or unlink it.</source>
        <translation>{kind} {key} ссылается на запись, которой больше нет в Битрикс24: создайте её заново или отвяжите.</translation>
    </message>
    <message>
        <source>{kind} {key} has no record in Bitrix24 yet.</source>
        <translation>{kind} {key}: в Битрикс24 записи пока нет.</translation>
    </message>
    <message>
        <source>Open a table (orders, users, queue, activity) to export it.</source>
        <translation>Откройте таблицу (заказы, пользователи, очередь, журнал), чтобы её экспортировать.</translation>
    </message>
    <message>
        <source>Export to CSV</source>
        <translation>Экспорт в CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Файлы CSV (*.csv)</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n row(s) to {path}</source>
        <translation>
            <numerusform>Выгружена %Ln строка в {path}</numerusform>
            <numerusform>Выгружено %Ln строки в {path}</numerusform>
            <numerusform>Выгружено %Ln строк в {path}</numerusform>
        </translation>
    </message>
    <message>
        <source>Settings saved</source>
        <translation>Настройки сохранены</translation>
    </message>
</context>
</TS>
