<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>ActivityChart</name>
    <message numerus="yes">
        <source>%n job(s)/min</source>
        <translation>
            <numerusform>%n job/min</numerusform>
            <numerusform>%n jobs/min</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n min ago</source>
        <translation>
            <numerusform>%n min ago</numerusform>
            <numerusform>%n min ago</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DetailPane</name>
    <message numerus="yes">
        <source>≠ marks the %n field(s) that differ.</source>
        <translation>
            <numerusform>≠ marks the field that differs.</numerusform>
            <numerusform>≠ marks the %n fields that differ.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Message</name>
    <message numerus="yes">
        <source>%n record(s) match by {keys}</source>
        <translation>
            <numerusform>%n record matches by {keys}</numerusform>
            <numerusform>%n records match by {keys}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>wrote %n stage(s) moved in Bitrix24 into the shop</source>
        <translation>
            <numerusform>wrote %n stage moved in Bitrix24 into the shop</numerusform>
            <numerusform>wrote %n stages moved in Bitrix24 into the shop</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>wrote %n value(s) edited in Bitrix24 ({fields}) into the shop</source>
        <translation>
            <numerusform>wrote %n value edited in Bitrix24 ({fields}) into the shop</numerusform>
            <numerusform>wrote %n values edited in Bitrix24 ({fields}) into the shop</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>queued %n job(s): {kind}</source>
        <translation>
            <numerusform>queued %n job: {kind}</numerusform>
            <numerusform>queued %n jobs: {kind}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>closed %n failed or dead job(s): their records are in sync</source>
        <translation>
            <numerusform>closed %n failed or dead job: its record is in sync</numerusform>
            <numerusform>closed %n failed or dead jobs: their records are in sync</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>retried %n job(s)</source>
        <translation>
            <numerusform>retried %n job</numerusform>
            <numerusform>retried %n jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>cancelled %n job(s)</source>
        <translation>
            <numerusform>cancelled %n job</numerusform>
            <numerusform>cancelled %n jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>settled %n in-doubt job(s) as done</source>
        <translation>
            <numerusform>settled %n in-doubt job as done</numerusform>
            <numerusform>settled %n in-doubt jobs as done</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>settled %n in-doubt job(s) for a retry</source>
        <translation>
            <numerusform>settled %n in-doubt job for a retry</numerusform>
            <numerusform>settled %n in-doubt jobs for a retry</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>unlinked %n shop record(s) from {entity} records deleted in Bitrix24</source>
        <translation>
            <numerusform>unlinked %n shop record from {entity} records deleted in Bitrix24</numerusform>
            <numerusform>unlinked %n shop records from {entity} records deleted in Bitrix24</numerusform>
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
</context>
<context>
    <name>OverviewTab</name>
    <message numerus="yes">
        <source>Show the %n job(s) in doubt</source>
        <translation>
            <numerusform>Show the %n job in doubt</numerusform>
            <numerusform>Show the %n jobs in doubt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Show the %n dead job(s)</source>
        <translation>
            <numerusform>Show the %n dead job</numerusform>
            <numerusform>Show the %n dead jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{kinds}: show the %n record(s) that need attention</source>
        <translation>
            <numerusform>{kinds}: show the %n record that needs attention</numerusform>
            <numerusform>{kinds}: show the %n records that need attention</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n portal request(s); operating time per method:</source>
        <translation>
            <numerusform>%n portal request; operating time per method:</numerusform>
            <numerusform>%n portal requests; operating time per method:</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n portal request(s)</source>
        <translation>
            <numerusform>%n portal request</numerusform>
            <numerusform>%n portal requests</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PlanDialog</name>
    <message numerus="yes">
        <source>Queue %n job(s)</source>
        <translation>
            <numerusform>Queue %n job</numerusform>
            <numerusform>Queue %n jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queue %n job(s)?</source>
        <translation>
            <numerusform>Queue %n job?</numerusform>
            <numerusform>Queue %n jobs?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{stays}; %n record(s) disappear: {gone} (each is archived first, then merged into it).</source>
        <translation>
            <numerusform>{stays}; %n record disappears: {gone} (each is archived first, then merged into it).</numerusform>
            <numerusform>{stays}; %n records disappear: {gone} (each is archived first, then merged into it).</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>QueueTab</name>
    <message numerus="yes">
        <source>Retry %n selected</source>
        <translation>
            <numerusform>Retry %n selected</numerusform>
            <numerusform>Retry %n selected</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Drop %n selected</source>
        <translation>
            <numerusform>Drop %n selected</numerusform>
            <numerusform>Drop %n selected</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark %n selected as done</source>
        <translation>
            <numerusform>Mark %n selected as done</numerusform>
            <numerusform>Mark %n selected as done</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-queue %n selected</source>
        <translation>
            <numerusform>Re-queue %n selected</numerusform>
            <numerusform>Re-queue %n selected</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Retry %n shown</source>
        <translation>
            <numerusform>Retry the %n shown</numerusform>
            <numerusform>Retry %n shown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Drop %n shown</source>
        <translation>
            <numerusform>Drop the %n shown</numerusform>
            <numerusform>Drop %n shown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark %n shown as done</source>
        <translation>
            <numerusform>Mark the %n shown as done</numerusform>
            <numerusform>Mark %n shown as done</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-queue %n shown</source>
        <translation>
            <numerusform>Re-queue the %n shown</numerusform>
            <numerusform>Re-queue %n shown</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RunnersTab</name>
    <message numerus="yes">
        <source>%n runner(s) silent: {names}. No heartbeat for longer than a lease ({seconds} s): killed, hung or cut off from the queue&apos;s database. Their jobs are picked up again when their leases run out.</source>
        <translation>
            <numerusform>%n runner silent: {names}. No heartbeat for longer than a lease ({seconds} s): killed, hung or cut off from the queue&apos;s database. Its jobs are picked up again when their leases run out.</numerusform>
            <numerusform>%n runners silent: {names}. No heartbeat for longer than a lease ({seconds} s): killed, hung or cut off from the queue&apos;s database. Their jobs are picked up again when their leases run out.</numerusform>
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
            <numerusform>%n job would bring everything in step.</numerusform>
            <numerusform>%n jobs would bring everything in step.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>about %n minute(s) left</source>
        <translation>
            <numerusform>about %n minute left</numerusform>
            <numerusform>about %n minutes left</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>about %n hour(s) left</source>
        <translation>
            <numerusform>about %n hour left</numerusform>
            <numerusform>about %n hours left</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>held back %n time(s)</source>
        <translation>
            <numerusform>held back once</numerusform>
            <numerusform>held back %n times</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>refused as overloaded %n time(s)</source>
        <translation>
            <numerusform>refused as overloaded once</numerusform>
            <numerusform>refused as overloaded %n times</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %n job(s)</source>
        <translation>
            <numerusform>Queued %n job</numerusform>
            <numerusform>Queued %n jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Retry %n job(s)</source>
        <translation>
            <numerusform>Retry %n job</numerusform>
            <numerusform>Retry %n jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark %n job(s) as done</source>
        <translation>
            <numerusform>Mark %n job as done</numerusform>
            <numerusform>Mark %n jobs as done</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Retry %n job(s)? They run again from the start.</source>
        <translation>
            <numerusform>Retry %n job? It runs again from the start.</numerusform>
            <numerusform>Retry %n jobs? They run again from the start.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Drop %n job(s)? They will not run; Retry brings them back.</source>
        <translation>
            <numerusform>Drop %n job? It will not run; Retry brings it back.</numerusform>
            <numerusform>Drop %n jobs? They will not run; Retry brings them back.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Drop %n job(s)</source>
        <translation>
            <numerusform>Drop %n job</numerusform>
            <numerusform>Drop %n jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark %n job(s) as done? Their change is taken as made in Bitrix24.</source>
        <translation>
            <numerusform>Mark %n job as done? Its change is taken as made in Bitrix24.</numerusform>
            <numerusform>Mark %n jobs as done? Their change is taken as made in Bitrix24.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-queue %n job(s)? Their change is sent to Bitrix24 again.</source>
        <translation>
            <numerusform>Re-queue %n job? Its change is sent to Bitrix24 again.</numerusform>
            <numerusform>Re-queue %n jobs? Their change is sent to Bitrix24 again.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-queue %n job(s)</source>
        <translation>
            <numerusform>Re-queue %n job</numerusform>
            <numerusform>Re-queue %n jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>and %n more</numerusform>
            <numerusform>and %n more</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n orphan contact(s) in Bitrix24 match no shop row: {list}.</source>
        <translation>
            <numerusform>%n orphan contact in Bitrix24 matches no shop row: {list}.</numerusform>
            <numerusform>%n orphan contacts in Bitrix24 match no shop row: {list}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n orphan company(-ies) in Bitrix24 match no shop row: {list}.</source>
        <translation>
            <numerusform>%n orphan company in Bitrix24 matches no shop row: {list}.</numerusform>
            <numerusform>%n orphan companies in Bitrix24 match no shop row: {list}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n orphan deal(s) in Bitrix24 match no shop row: {list}.</source>
        <translation>
            <numerusform>%n orphan deal in Bitrix24 matches no shop row: {list}.</numerusform>
            <numerusform>%n orphan deals in Bitrix24 match no shop row: {list}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Unlink %n record(s)?</source>
        <translation>
            <numerusform>Unlink %n record?</numerusform>
            <numerusform>Unlink %n records?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Unlink %n record(s)</source>
        <translation>
            <numerusform>Unlink %n record</numerusform>
            <numerusform>Unlink %n records</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Unlinked %n record(s).</source>
        <translation>
            <numerusform>Unlinked %n record.</numerusform>
            <numerusform>Unlinked %n records.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n of these records were deleted or merged in Bitrix24 by someone, not by this app: {list}.</source>
        <translation>
            <numerusform>%n of these records was deleted or merged in Bitrix24 by someone, not by this app: {list}.</numerusform>
            <numerusform>%n of these records were deleted or merged in Bitrix24 by someone, not by this app: {list}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-create %n record(s)</source>
        <translation>
            <numerusform>Re-create %n record</numerusform>
            <numerusform>Re-create %n records</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n row(s) to {path}</source>
        <translation>
            <numerusform>Exported %n row to {path}</numerusform>
            <numerusform>Exported %n rows to {path}</numerusform>
        </translation>
    </message>
</context>
</TS>
