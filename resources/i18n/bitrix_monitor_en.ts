<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>ActivityChart</name>
    <message numerus="yes">
        <source>%n job(s)/min</source>
        <translation>
            <numerusform>%Ln job/min</numerusform>
            <numerusform>%Ln jobs/min</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n min ago</source>
        <translation>
            <numerusform>%Ln min ago</numerusform>
            <numerusform>%Ln min ago</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DetailPane</name>
    <message numerus="yes">
        <source>≠ marks the %n field(s) that differ.</source>
        <translation>
            <numerusform>≠ marks the field that differs.</numerusform>
            <numerusform>≠ marks the %Ln fields that differ.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Message</name>
    <message numerus="yes">
        <source>the runner stopped %n time(s) while processing this job</source>
        <translation>
            <numerusform>the runner stopped %Ln time while processing this job</numerusform>
            <numerusform>the runner stopped %Ln times while processing this job</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>gave up after %n attempt(s)</source>
        <translation>
            <numerusform>gave up after %Ln attempt</numerusform>
            <numerusform>gave up after %Ln attempts</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) match by {keys}</source>
        <translation>
            <numerusform>%Ln record matches by {keys}</numerusform>
            <numerusform>%Ln records match by {keys}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>wrote %n stage(s) moved in Bitrix24 into the shop</source>
        <translation>
            <numerusform>wrote %Ln stage moved in Bitrix24 into the shop</numerusform>
            <numerusform>wrote %Ln stages moved in Bitrix24 into the shop</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>wrote %n value(s) edited in Bitrix24 ({fields}) into the shop</source>
        <translation>
            <numerusform>wrote %Ln value edited in Bitrix24 ({fields}) into the shop</numerusform>
            <numerusform>wrote %Ln values edited in Bitrix24 ({fields}) into the shop</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>queued %n job(s): {kind}</source>
        <translation>
            <numerusform>queued %Ln job: {kind}</numerusform>
            <numerusform>queued %Ln jobs: {kind}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>closed %n failed or dead job(s): their records are in sync</source>
        <translation>
            <numerusform>closed %Ln failed or dead job: its record is in sync</numerusform>
            <numerusform>closed %Ln failed or dead jobs: their records are in sync</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>retried %n job(s)</source>
        <translation>
            <numerusform>retried %Ln job</numerusform>
            <numerusform>retried %Ln jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>cancelled %n job(s)</source>
        <translation>
            <numerusform>cancelled %Ln job</numerusform>
            <numerusform>cancelled %Ln jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>settled %n in-doubt job(s) as done</source>
        <translation>
            <numerusform>settled %Ln in-doubt job as done</numerusform>
            <numerusform>settled %Ln in-doubt jobs as done</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>settled %n in-doubt job(s) for a retry</source>
        <translation>
            <numerusform>settled %Ln in-doubt job for a retry</numerusform>
            <numerusform>settled %Ln in-doubt jobs for a retry</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>unlinked %n shop record(s) from {entity} records deleted in Bitrix24</source>
        <translation>
            <numerusform>unlinked %Ln shop record from {entity} records deleted in Bitrix24</numerusform>
            <numerusform>unlinked %Ln shop records from {entity} records deleted in Bitrix24</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Orders: %Ln checked</source>
        <translation>
            <numerusform>Orders: %Ln checked</numerusform>
            <numerusform>Orders: %Ln checked</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Users: %Ln checked</source>
        <translation>
            <numerusform>Users: %Ln checked</numerusform>
            <numerusform>Users: %Ln checked</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Companies: %Ln checked</source>
        <translation>
            <numerusform>Companies: %Ln checked</numerusform>
            <numerusform>Companies: %Ln checked</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>all %Ln orders have exactly one deal</source>
        <translation>
            <numerusform>the one order has exactly one deal</numerusform>
            <numerusform>all %Ln orders have exactly one deal</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>all %Ln users exactly one contact</source>
        <translation>
            <numerusform>the one user exactly one contact</numerusform>
            <numerusform>all %Ln users exactly one contact</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>all %Ln companies exactly one company</source>
        <translation>
            <numerusform>the one company exactly one company</numerusform>
            <numerusform>all %Ln companies exactly one company</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Plan: %Ln jobs would be queued</source>
        <translation>
            <numerusform>Plan: %Ln job would be queued</numerusform>
            <numerusform>Plan: %Ln jobs would be queued</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>… and %Ln more</source>
        <translation>
            <numerusform>… and %Ln more</numerusform>
            <numerusform>… and %Ln more</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Would stamp our origin ids on %Ln records kept from before.</source>
        <translation>
            <numerusform>Would stamp our origin ids on %Ln record kept from before.</numerusform>
            <numerusform>Would stamp our origin ids on %Ln records kept from before.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %Ln dead job(s) again ({detail}); the next --sync runs them.</source>
        <translation>
            <numerusform>Queued %Ln dead job again ({detail}); the next --sync runs it.</numerusform>
            <numerusform>Queued %Ln dead jobs again ({detail}); the next --sync runs them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %Ln dead {code} job(s) again ({detail}); the next --sync runs them.</source>
        <translation>
            <numerusform>Queued %Ln dead {code} job again ({detail}); the next --sync runs it.</numerusform>
            <numerusform>Queued %Ln dead {code} jobs again ({detail}); the next --sync runs them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Left %Ln dead: another job of the same record is active and covers them.</source>
        <translation>
            <numerusform>Left %Ln dead: another job of the same record is active and covers it.</numerusform>
            <numerusform>Left %Ln dead: another job of the same record is active and covers them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cancelled %Ln dead job(s) ({detail}).</source>
        <translation>
            <numerusform>Cancelled %Ln dead job ({detail}).</numerusform>
            <numerusform>Cancelled %Ln dead jobs ({detail}).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cancelled %Ln dead {code} job(s) ({detail}).</source>
        <translation>
            <numerusform>Cancelled %Ln dead {code} job ({detail}).</numerusform>
            <numerusform>Cancelled %Ln dead {code} jobs ({detail}).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Stamped our origin ids on %Ln records kept from before.</source>
        <translation>
            <numerusform>Stamped our origin ids on %Ln record kept from before.</numerusform>
            <numerusform>Stamped our origin ids on %Ln records kept from before.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln archived record(s) in {dir}</source>
        <translation>
            <numerusform>%Ln archived record in {dir}</numerusform>
            <numerusform>%Ln archived records in {dir}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln archived record(s) in {dir} ({unreadable})</source>
        <translation>
            <numerusform>%Ln archived record in {dir} ({unreadable})</numerusform>
            <numerusform>%Ln archived records in {dir} ({unreadable})</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln unreadable file(s)</source>
        <translation>
            <numerusform>%Ln unreadable file</numerusform>
            <numerusform>%Ln unreadable files</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Nothing to move from {source} to {target}: its %Ln job(s) were moved before.</source>
        <translation>
            <numerusform>Nothing to move from {source} to {target}: its %Ln job was moved before.</numerusform>
            <numerusform>Nothing to move from {source} to {target}: its %Ln jobs were moved before.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Moved %Ln job(s) from {source} to {target}: {pending} pending, {history} finished, with {events} events</source>
        <translation>
            <numerusform>Moved %Ln job from {source} to {target}: {pending} pending, {history} finished, with {events} events</numerusform>
            <numerusform>Moved %Ln jobs from {source} to {target}: {pending} pending, {history} finished, with {events} events</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln pending job(s) were already covered by the team&apos;s own jobs</source>
        <translation>
            <numerusform>%Ln pending job was already covered by the team&apos;s own jobs</numerusform>
            <numerusform>%Ln pending jobs were already covered by the team&apos;s own jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln job(s) had been moved before</source>
        <translation>
            <numerusform>%Ln job had been moved before</numerusform>
            <numerusform>%Ln jobs had been moved before</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>OverviewTab</name>
    <message numerus="yes">
        <source>Show the %n job(s) in doubt</source>
        <translation>
            <numerusform>Show the %Ln job in doubt</numerusform>
            <numerusform>Show the %Ln jobs in doubt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Show the %n dead job(s)</source>
        <translation>
            <numerusform>Show the %Ln dead job</numerusform>
            <numerusform>Show the %Ln dead jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{kinds}: show the %n record(s) that need attention</source>
        <translation>
            <numerusform>{kinds}: show the %Ln record that needs attention</numerusform>
            <numerusform>{kinds}: show the %Ln records that need attention</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n portal request(s); operating time per method:</source>
        <translation>
            <numerusform>%Ln portal request; operating time per method:</numerusform>
            <numerusform>%Ln portal requests; operating time per method:</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n portal request(s)</source>
        <translation>
            <numerusform>%Ln portal request</numerusform>
            <numerusform>%Ln portal requests</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PlanDialog</name>
    <message numerus="yes">
        <source>Queue %n job(s)</source>
        <translation>
            <numerusform>Queue %Ln job</numerusform>
            <numerusform>Queue %Ln jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queue %n job(s)?</source>
        <translation>
            <numerusform>Queue %Ln job?</numerusform>
            <numerusform>Queue %Ln jobs?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{stays}; %n record(s) disappear: {gone} (each is archived first, then merged into it).</source>
        <translation>
            <numerusform>{stays}; %Ln record disappears: {gone} (each is archived first, then merged into it).</numerusform>
            <numerusform>{stays}; %Ln records disappear: {gone} (each is archived first, then merged into it).</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>QueueTab</name>
    <message numerus="yes">
        <source>Retry %n selected</source>
        <translation>
            <numerusform>Retry %Ln selected</numerusform>
            <numerusform>Retry %Ln selected</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Drop %n selected</source>
        <translation>
            <numerusform>Drop %Ln selected</numerusform>
            <numerusform>Drop %Ln selected</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark %n selected as done</source>
        <translation>
            <numerusform>Mark %Ln selected as done</numerusform>
            <numerusform>Mark %Ln selected as done</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-queue %n selected</source>
        <translation>
            <numerusform>Re-queue %Ln selected</numerusform>
            <numerusform>Re-queue %Ln selected</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Retry %n shown</source>
        <translation>
            <numerusform>Retry the %Ln shown</numerusform>
            <numerusform>Retry %Ln shown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Drop %n shown</source>
        <translation>
            <numerusform>Drop the %Ln shown</numerusform>
            <numerusform>Drop %Ln shown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark %n shown as done</source>
        <translation>
            <numerusform>Mark the %Ln shown as done</numerusform>
            <numerusform>Mark %Ln shown as done</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-queue %n shown</source>
        <translation>
            <numerusform>Re-queue the %Ln shown</numerusform>
            <numerusform>Re-queue %Ln shown</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RunnersTab</name>
    <message numerus="yes">
        <source>%n runner(s) silent: {names}. No heartbeat for longer than a lease ({seconds} s): killed, hung or cut off from the queue&apos;s database. Their jobs are picked up again when their leases run out.</source>
        <translation>
            <numerusform>%Ln runner silent: {names}. No heartbeat for longer than a lease ({seconds} s): killed, hung or cut off from the queue&apos;s database. Its jobs are picked up again when their leases run out.</numerusform>
            <numerusform>%Ln runners silent: {names}. No heartbeat for longer than a lease ({seconds} s): killed, hung or cut off from the queue&apos;s database. Their jobs are picked up again when their leases run out.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>WindowController</name>
    <message numerus="yes">
        <source>Checked %Ln order(s)</source>
        <translation>
            <numerusform>Checked %Ln order</numerusform>
            <numerusform>Checked %Ln orders</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %Ln user(s)</source>
        <translation>
            <numerusform>, %Ln user</numerusform>
            <numerusform>, %Ln users</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source> and %Ln company(-ies)</source>
        <translation>
            <numerusform> and %Ln company</numerusform>
            <numerusform> and %Ln companies</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source> and %Ln user(s)</source>
        <translation>
            <numerusform> and %Ln user</numerusform>
            <numerusform> and %Ln users</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) would bring everything in step.</source>
        <translation>
            <numerusform>%Ln job would bring everything in step.</numerusform>
            <numerusform>%Ln jobs would bring everything in step.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>about %n minute(s) left</source>
        <translation>
            <numerusform>about %Ln minute left</numerusform>
            <numerusform>about %Ln minutes left</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>about %n hour(s) left</source>
        <translation>
            <numerusform>about %Ln hour left</numerusform>
            <numerusform>about %Ln hours left</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>held back %n time(s)</source>
        <translation>
            <numerusform>held back once</numerusform>
            <numerusform>held back %Ln times</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>refused as overloaded %n time(s)</source>
        <translation>
            <numerusform>refused as overloaded once</numerusform>
            <numerusform>refused as overloaded %Ln times</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %n job(s)</source>
        <translation>
            <numerusform>Queued %Ln job</numerusform>
            <numerusform>Queued %Ln jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Retry %n job(s)</source>
        <translation>
            <numerusform>Retry %Ln job</numerusform>
            <numerusform>Retry %Ln jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark %n job(s) as done</source>
        <translation>
            <numerusform>Mark %Ln job as done</numerusform>
            <numerusform>Mark %Ln jobs as done</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Retry %n job(s)? They run again from the start.</source>
        <translation>
            <numerusform>Retry %Ln job? It runs again from the start.</numerusform>
            <numerusform>Retry %Ln jobs? They run again from the start.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Drop %n job(s)? They will not run; Retry brings them back.</source>
        <translation>
            <numerusform>Drop %Ln job? It will not run; Retry brings it back.</numerusform>
            <numerusform>Drop %Ln jobs? They will not run; Retry brings them back.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Drop %n job(s)</source>
        <translation>
            <numerusform>Drop %Ln job</numerusform>
            <numerusform>Drop %Ln jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark %n job(s) as done? Their change is taken as made in Bitrix24.</source>
        <translation>
            <numerusform>Mark %Ln job as done? Its change is taken as made in Bitrix24.</numerusform>
            <numerusform>Mark %Ln jobs as done? Their change is taken as made in Bitrix24.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-queue %n job(s)? Their change is sent to Bitrix24 again.</source>
        <translation>
            <numerusform>Re-queue %Ln job? Its change is sent to Bitrix24 again.</numerusform>
            <numerusform>Re-queue %Ln jobs? Their change is sent to Bitrix24 again.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-queue %n job(s)</source>
        <translation>
            <numerusform>Re-queue %Ln job</numerusform>
            <numerusform>Re-queue %Ln jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>and %Ln more</numerusform>
            <numerusform>and %Ln more</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n orphan contact(s) in Bitrix24 match no shop row: {list}.</source>
        <translation>
            <numerusform>%Ln orphan contact in Bitrix24 matches no shop row: {list}.</numerusform>
            <numerusform>%Ln orphan contacts in Bitrix24 match no shop row: {list}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n orphan company(-ies) in Bitrix24 match no shop row: {list}.</source>
        <translation>
            <numerusform>%Ln orphan company in Bitrix24 matches no shop row: {list}.</numerusform>
            <numerusform>%Ln orphan companies in Bitrix24 match no shop row: {list}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n orphan deal(s) in Bitrix24 match no shop row: {list}.</source>
        <translation>
            <numerusform>%Ln orphan deal in Bitrix24 matches no shop row: {list}.</numerusform>
            <numerusform>%Ln orphan deals in Bitrix24 match no shop row: {list}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Unlink %n record(s)?</source>
        <translation>
            <numerusform>Unlink %Ln record?</numerusform>
            <numerusform>Unlink %Ln records?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Unlink %n record(s)</source>
        <translation>
            <numerusform>Unlink %Ln record</numerusform>
            <numerusform>Unlink %Ln records</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Unlinked %n record(s).</source>
        <translation>
            <numerusform>Unlinked %Ln record.</numerusform>
            <numerusform>Unlinked %Ln records.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n of these records were deleted or merged in Bitrix24 by someone, not by this app: {list}.</source>
        <translation>
            <numerusform>%Ln of these records was deleted or merged in Bitrix24 by someone, not by this app: {list}.</numerusform>
            <numerusform>%Ln of these records were deleted or merged in Bitrix24 by someone, not by this app: {list}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-create %n record(s)</source>
        <translation>
            <numerusform>Re-create %Ln record</numerusform>
            <numerusform>Re-create %Ln records</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n row(s) to {path}</source>
        <translation>
            <numerusform>Exported %Ln row to {path}</numerusform>
            <numerusform>Exported %Ln rows to {path}</numerusform>
        </translation>
    </message>
</context>
</TS>
