<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../seatdesk/ui/main_window.py" line="33" />
        <source>seatdesk — city management command centre</source>
        <translation>seatdesk — 数字化城市管理监督指挥中心</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/main_window.py" line="45" />
        <source>Cases by state</source>
        <translation>各状态案卷数</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/main_window.py" line="72" />
        <source>Up to date</source>
        <translation>已更新</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/main_window.py" line="75" />
        <source>Database unavailable, retrying: %1</source>
        <translation>数据库不可用，正在重试：%1</translation>
    </message>
</context>
<context>
    <name>StateCountsModel</name>
    <message>
        <location filename="../../seatdesk/ui/state_counts_model.py" line="52" />
        <source>State code</source>
        <translation>状态代码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/state_counts_model.py" line="52" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/state_counts_model.py" line="52" />
        <source>Cases</source>
        <translation>案卷</translation>
    </message>
</context>
<context>
    <name>_SummaryBox</name>
    <message>
        <location filename="../../seatdesk/ui/main_window.py" line="87" />
        <source>Reference data</source>
        <translation>基础数据</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/main_window.py" line="92" />
        <source>Communities</source>
        <translation>社区</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/main_window.py" line="93" />
        <source>Unit grid cells</source>
        <translation>单元网格</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/main_window.py" line="94" />
        <source>Components</source>
        <translation>部件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/main_window.py" line="95" />
        <source>Component and event classes</source>
        <translation>部件和事件(事项)小类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/main_window.py" line="96" />
        <source>Departments</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/main_window.py" line="97" />
        <source>Users</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/main_window.py" line="98" />
        <source>Cases</source>
        <translation>案卷</translation>
    </message>
</context>
</TS>