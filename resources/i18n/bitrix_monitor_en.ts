<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>ActivityChart</name>
    <message numerus="yes">
        <source>last %n min</source>
        <translation>
            <numerusform>last %n min</numerusform>
            <numerusform>last %n min</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>peak: %n jobs/min</source>
        <translation>
            <numerusform>peak: %n job/min</numerusform>
            <numerusform>peak: %n jobs/min</numerusform>
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
    <name>OverviewTab</name>
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
        <source>Cancel %n selected</source>
        <translation>
            <numerusform>Cancel %n selected</numerusform>
            <numerusform>Cancel %n selected</numerusform>
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
        <source>Retry all %n shown</source>
        <translation>
            <numerusform>Retry the %n shown</numerusform>
            <numerusform>Retry all %n shown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cancel all %n shown</source>
        <translation>
            <numerusform>Cancel the %n shown</numerusform>
            <numerusform>Cancel all %n shown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark all %n shown as done</source>
        <translation>
            <numerusform>Mark the %n shown as done</numerusform>
            <numerusform>Mark all %n shown as done</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-queue all %n shown</source>
        <translation>
            <numerusform>Re-queue the %n shown</numerusform>
            <numerusform>Re-queue all %n shown</numerusform>
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
        <source>Checked %n order(s)</source>
        <translation>
            <numerusform>Checked %n order</numerusform>
            <numerusform>Checked %n orders</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n user(s)</source>
        <translation>
            <numerusform>, %n user</numerusform>
            <numerusform>, %n users</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source> and %n company(-ies)</source>
        <translation>
            <numerusform> and %n company</numerusform>
            <numerusform> and %n companies</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source> and %n user(s)</source>
        <translation>
            <numerusform> and %n user</numerusform>
            <numerusform> and %n users</numerusform>
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
        <source>Retry %n job(s)?</source>
        <translation>
            <numerusform>Retry %n job?</numerusform>
            <numerusform>Retry %n jobs?</numerusform>
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
        <source>Cancel %n job(s)?</source>
        <translation>
            <numerusform>Cancel %n job?</numerusform>
            <numerusform>Cancel %n jobs?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cancel %n job(s)</source>
        <translation>
            <numerusform>Cancel %n job</numerusform>
            <numerusform>Cancel %n jobs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Mark %n job(s) as done?</source>
        <translation>
            <numerusform>Mark %n job as done?</numerusform>
            <numerusform>Mark %n jobs as done?</numerusform>
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
        <source>Re-queue %n job(s)?</source>
        <translation>
            <numerusform>Re-queue %n job?</numerusform>
            <numerusform>Re-queue %n jobs?</numerusform>
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
        <source>Exported %n row(s) to {path}</source>
        <translation>
            <numerusform>Exported %n row to {path}</numerusform>
            <numerusform>Exported %n rows to {path}</numerusform>
        </translation>
    </message>
</context>
</TS>
