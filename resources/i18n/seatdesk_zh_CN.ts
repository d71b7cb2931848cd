<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>AcceptDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="80" />
        <source>Accepting makes the report a case awaiting filing by the shift lead.</source>
        <translation>受理后案卷进入待立案，由值班长立案。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="82" />
        <source>核实: confirmed on site.</source>
        <translation>核实：现场核实属实。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="84" />
        <source>核实: NOT confirmed on site.</source>
        <translation>核实：现场核实不属实。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="86" />
        <source>Callers: %1</source>
        <translation>来电人：%1 位</translation>
    </message>
</context>
<context>
    <name>ActionDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/base.py" line="161" />
        <source>%1 — case %2</source>
        <translation>%1 — 案卷 %2</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/base.py" line="203" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/base.py" line="224" />
        <source>Reason</source>
        <translation>理由</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/base.py" line="224" />
        <source>Note</source>
        <translation>说明</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/base.py" line="262" />
        <source>「%1」 needs a reason</source>
        <translation>「%1」必须填写理由</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/base.py" line="293" />
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/base.py" line="313" />
        <source>The case has been reloaded with its current state; check it and act again if still needed. Nothing you entered here was saved.</source>
        <translation>案卷已按当前状态重新载入；请核对后视需要重新操作。本对话框中填写的内容未保存。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/base.py" line="317" />
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>AdminPage</name>
    <message>
        <location filename="../../seatdesk/ui/admin/base.py" line="83" />
        <source>Saved</source>
        <translation>已保存</translation>
    </message>
</context>
<context>
    <name>AdminPanel</name>
    <message>
        <location filename="../../seatdesk/ui/admin/admin_panel.py" line="40" />
        <source>Users</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/admin_panel.py" line="41" />
        <source>Departments</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/admin_panel.py" line="42" />
        <source>Responsibility matrix</source>
        <translation>责任矩阵</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/admin_panel.py" line="43" />
        <source>Filing conditions and time limits</source>
        <translation>立案条件与处置时限</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/admin_panel.py" line="44" />
        <source>Working calendar</source>
        <translation>工作日历</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/admin_panel.py" line="45" />
        <source>Common phrases</source>
        <translation>常用语</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/admin_panel.py" line="46" />
        <source>Case sources</source>
        <translation>案件来源</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/admin_panel.py" line="47" />
        <source>City profile</source>
        <translation>城市配置</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/admin_panel.py" line="52" />
        <source>Go-live readiness</source>
        <translation>上线就绪</translation>
    </message>
</context>
<context>
    <name>ApproveExtensionDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/handling.py" line="119" />
        <source>Extend by</source>
        <translation>延期时长</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/handling.py" line="130" />
        <source>Enter how long the extension should be</source>
        <translation>请填写延期时长</translation>
    </message>
</context>
<context>
    <name>ApproveReturnDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="169" />
        <source>The dispatch was an error (counts against the accurate-dispatch rate)</source>
        <translation>属于派遣差错（计入准确派遣率）</translation>
    </message>
</context>
<context>
    <name>AttachmentPanel</name>
    <message>
        <location filename="../../seatdesk/ui/case/attachment_panel.py" line="131" />
        <source>No photos or recordings</source>
        <translation>没有照片或录音</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/attachment_panel.py" line="137" />
        <source>Save…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/attachment_panel.py" line="185" />
        <source>Save attachment</source>
        <translation>保存附件</translation>
    </message>
</context>
<context>
    <name>BoxListModel</name>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="25" />
        <source>To accept</source>
        <translation>待受理</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="26" />
        <source>To verify</source>
        <translation>待核实</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="27" />
        <source>My verification and check tasks</source>
        <translation>我的核实/核查任务</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="28" />
        <source>To file</source>
        <translation>待立案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="29" />
        <source>To dispatch</source>
        <translation>待派遣</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="30" />
        <source>In handling</source>
        <translation>处置中</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="31" />
        <source>To check</source>
        <translation>待核查</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="32" />
        <source>To close</source>
        <translation>待结案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="33" />
        <source>Extension requests</source>
        <translation>延期审批</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="34" />
        <source>Return requests</source>
        <translation>回退审批</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="35" />
        <source>Suspension requests</source>
        <translation>挂账审批</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="36" />
        <source>Void requests</source>
        <translation>作废审批</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="37" />
        <source>Suspended cases</source>
        <translation>挂账案件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="38" />
        <source>To call back</source>
        <translation>待回访</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="39" />
        <source>My department's cases</source>
        <translation>我的部门案件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/box_list_model.py" line="40" />
        <source>All cases / search</source>
        <translation>全部案件/搜索</translation>
    </message>
</context>
<context>
    <name>CalendarPage</name>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="41" />
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="58" />
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="42" />
        <source>Weekday</source>
        <translation>星期</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="43" />
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="59" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="44" />
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="60" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="45" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="55" />
        <source>e.g. 春节</source>
        <translation>如：春节</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="57" />
        <source>Year</source>
        <translation>年份</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="62" />
        <source>Add day</source>
        <translation>添加日期</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="62" />
        <source>Remove day</source>
        <translation>删除日期</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="63" />
        <source>Mark year complete</source>
        <translation>确认本年已录入完整</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="64" />
        <source>Import CSV or Excel…</source>
        <translation>导入CSV或Excel…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="111" />
        <source>Import calendar table</source>
        <translation>导入工作日历表格</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="112" />
        <source>Tables (*.csv *.xlsx)</source>
        <translation>表格 (*.csv *.xlsx)</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="103" />
        <source>Removed</source>
        <translation>已删除</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/calendar_page.py" line="108" />
        <source>Year marked as complete</source>
        <translation>已确认本年节假日录入完整</translation>
    </message>
</context>
<context>
    <name>CallbackDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/callbacks.py" line="35" />
        <source> · %1 attempts so far</source>
        <translation> · 已回访 %1 次</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/callbacks.py" line="38" />
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/callbacks.py" line="51" />
        <source>Outcome</source>
        <translation>回访结果</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/callbacks.py" line="71" />
        <source>不满意 sends the case back to the same department to be handled again (返工); the caller is called back after the next closure.</source>
        <translation>不满意：案卷退回原部门重新处置（返工），再次结案后重新回访。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/callbacks.py" line="73" />
        <source>不满意 is recorded; the case stays closed.</source>
        <translation>不满意：记录在案，案卷保持结案。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/callbacks.py" line="75" />
        <source>The caller asked to be called back once the case was closed. Record what the caller says about the result: %1</source>
        <translation>来电人要求结案后回访。请记录来电人对处置结果的评价：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/callbacks.py" line="79" />
        <source>无法联系 is tried again later, %1 attempts in all.</source>
        <translation>无法联系：稍后再次回访，共 %1 次。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/callbacks.py" line="87" />
        <source>No caller of this case waits for a callback</source>
        <translation>本案卷没有待回访的来电人</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/callbacks.py" line="89" />
        <source>Write down what the dissatisfied caller says</source>
        <translation>请记录来电人的不满意见</translation>
    </message>
</context>
<context>
    <name>CaseDetailPanel</name>
    <message>
        <location filename="../../seatdesk/ui/case/detail.py" line="99" />
        <source>Ledger</source>
        <translation>电子台账</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/detail.py" line="100" />
        <source>Photos and recordings</source>
        <translation>照片和录音</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/detail.py" line="122" />
        <source>The case could not be read: %1</source>
        <translation>无法读取案卷：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/detail.py" line="132" />
        <source>Case %1 does not exist or is not visible to you</source>
        <translation>案卷 %1 不存在或您无权查看</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/detail.py" line="144" />
        <source>Case %1 · %2</source>
        <translation>案卷 %1 · %2</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/detail.py" line="155" />
        <source>no running clock</source>
        <translation>未计时</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/detail.py" line="182" />
        <source>Nothing for you to do on this case now</source>
        <translation>该案卷当前没有您可执行的操作</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/detail.py" line="187" />
        <source>Choose a case in a work box (Enter opens it)</source>
        <translation>请在工作箱中选择案卷（回车打开）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/detail.py" line="220" />
        <source>%1 possible duplicates nearby: use “%2” if this case repeats one of them.</source>
        <translation>附近有 %1 个疑似重复案卷：如本案与其中之一相同，请使用「%2」。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/detail.py" line="227" />
        <source>(reloaded)</source>
        <translation>（已重新载入）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/detail.py" line="247" />
        <source>Updated at %1 by %2: %3</source>
        <translation>%1 由 %2 更新：%3</translation>
    </message>
</context>
<context>
    <name>CaseFields</name>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="43" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="43" />
        <source>Class</source>
        <translation>小类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="43" />
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="44" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="44" />
        <source>Grid cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="45" />
        <source>Community / street</source>
        <translation>社区/街道</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="45" />
        <source>Component</source>
        <translation>部件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="46" />
        <source>Coordinates</source>
        <translation>经纬度</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="46" />
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="47" />
        <source>Caller phone</source>
        <translation>来电号码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="47" />
        <source>Callback wanted</source>
        <translation>需要回访</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="48" />
        <source>All callers</source>
        <translation>全部来电人</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="48" />
        <source>Description</source>
        <translation>问题描述</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="50" />
        <source>Filing condition</source>
        <translation>立案条件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="50" />
        <source>Handling limit</source>
        <translation>处置时限</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="51" />
        <source>Closure condition</source>
        <translation>结案条件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="52" />
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="52" />
        <source>District centre</source>
        <translation>区级平台</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="53" />
        <source>Deadline</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="53" />
        <source>Step deadline</source>
        <translation>环节时限</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="54" />
        <source>Open request</source>
        <translation>待审批申请</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="54" />
        <source>Rework rounds</source>
        <translation>返工次数</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="55" />
        <source>Closure type</source>
        <translation>结案类型</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="55" />
        <source>Steps</source>
        <translation>环节时间</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="68" />
        <source>outside every grid cell</source>
        <translation>不在任何单元网格内</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="72" />
        <source>anonymous</source>
        <translation>匿名</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="106" />
        <source>%1 waiting</source>
        <translation>%1 人待回访</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="107" />
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="102" />
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="49" />
        <source>Verification result</source>
        <translation>核实结果</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="110" />
        <source>confirmed on site</source>
        <translation>现场核实属实</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="111" />
        <source>not confirmed</source>
        <translation>核实不属实</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="116" />
        <source>Return request</source>
        <translation>回退申请</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="116" />
        <source>Extension request</source>
        <translation>延期申请</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="117" />
        <source>Suspension request</source>
        <translation>挂账申请</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="118" />
        <source>Voiding request</source>
        <translation>作废申请</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="122" />
        <source>reported</source>
        <translation>上报</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="122" />
        <source>verified</source>
        <translation>核实</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="123" />
        <source>accepted</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="123" />
        <source>filed</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="124" />
        <source>dispatched</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="124" />
        <source>signed</source>
        <translation>签收</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="125" />
        <source>feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="125" />
        <source>checked</source>
        <translation>核查</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="126" />
        <source>closed</source>
        <translation>结案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/fields.py" line="126" />
        <source>suspended</source>
        <translation>挂账</translation>
    </message>
</context>
<context>
    <name>CaseTableModel</name>
    <message>
        <location filename="../../seatdesk/ui/workbox/case_table_model.py" line="55" />
        <source>Light</source>
        <extracomment>server-side sort key of each column (``seatdesk.models.queues.SORT_COLUMNS``)</extracomment>
        <translation>亮灯/剩余时间</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/case_table_model.py" line="55" />
        <source>Case number</source>
        <translation>案卷编号</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/case_table_model.py" line="55" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/case_table_model.py" line="55" />
        <source>Class</source>
        <translation>小类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/case_table_model.py" line="56" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/case_table_model.py" line="56" />
        <source>Grid cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/case_table_model.py" line="56" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/case_table_model.py" line="56" />
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/case_table_model.py" line="57" />
        <source>Deadline</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/case_table_model.py" line="57" />
        <source>Reported</source>
        <translation>上报时间</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/case_table_model.py" line="57" />
        <source>Caller phone</source>
        <translation>来电号码</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="198" />
        <source>Change password</source>
        <translation>修改密码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="199" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="200" />
        <source>Your password was set by an administrator: choose a new one before you continue.</source>
        <translation>您的密码由管理员设置，请先设置新密码再继续。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="211" />
        <source>Current password</source>
        <translation>原密码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="212" />
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="213" />
        <source>Repeat new password</source>
        <translation>确认新密码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="225" />
        <source>The two new passwords differ</source>
        <translation>两次输入的新密码不一致</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="227" />
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
</context>
<context>
    <name>CheckDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="151" />
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="155" />
        <source>Closure condition: %1</source>
        <translation>结案条件：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="158" />
        <source>Department's feedback: %1</source>
        <translation>部门处置反馈：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="161" />
        <source>A failed check sends the case back to the same department for rework (counted as a rework round).</source>
        <translation>核查不通过将案卷退回原承办部门返工（计一次返工）。</translation>
    </message>
</context>
<context>
    <name>CityPage</name>
    <message>
        <location filename="../../seatdesk/ui/admin/city_page.py" line="30" />
        <source>Follow the classification edition</source>
        <translation>跟随分类版本</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/city_page.py" line="31" />
        <source>14 digits (CJ/T 213-2005)</source>
        <translation>14位（CJ/T 213-2005）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/city_page.py" line="32" />
        <source>15 digits (GB/T 30428.1-2013 / GB/T 47678)</source>
        <translation>15位（GB/T 30428.1-2013 / GB/T 47678）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/city_page.py" line="33" />
        <source>Refuse grid cells outside this box</source>
        <translation>拒绝导入此范围之外的单元网格</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/city_page.py" line="36" />
        <source>min. longitude</source>
        <translation>最小经度</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/city_page.py" line="36" />
        <source>min. latitude</source>
        <translation>最小纬度</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/city_page.py" line="37" />
        <source>max. longitude</source>
        <translation>最大经度</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/city_page.py" line="37" />
        <source>max. latitude</source>
        <translation>最大纬度</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/city_page.py" line="42" />
        <source>Grid cell codes</source>
        <translation>单元网格代码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/city_page.py" line="43" />
        <source>City extent</source>
        <translation>本市范围</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/city_page.py" line="45" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
</context>
<context>
    <name>ClaimTaskDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="96" />
        <source>This task was sent to any supervisor of the case's pool. Taking it makes it yours: it leaves the other supervisors' task boxes. A task is taken once.</source>
        <translation>此任务派给了任一监督员。领取后由您负责，任务从其他监督员的任务箱中移除。任务只能领取一次。</translation>
    </message>
</context>
<context>
    <name>ClassPicker</name>
    <message>
        <location filename="../../seatdesk/ui/intake/class_picker.py" line="168" />
        <source>Class: code, name or pinyin initials</source>
        <translation>小类：编码、名称或拼音首字母</translation>
    </message>
</context>
<context>
    <name>CloseDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="32" />
        <source>Closure type</source>
        <translation>结案类型</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="35" />
        <source>Handling photos (department)</source>
        <translation>处置照片（专业部门）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="37" />
        <source>Check photos (supervisor)</source>
        <translation>核查照片（监督员）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="51" />
        <source>Reason (for error or special closure)</source>
        <translation>理由（差错、特殊结案必填）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="66" />
        <source>No passed check is recorded for this case.</source>
        <translation>该案卷没有核查通过的记录。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="69" />
        <source>Check passed by %1 at %2</source>
        <translation>%1 于 %2 核查通过</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="72" />
        <source>Check note: %1</source>
        <translation>核查说明：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="75" />
        <source>The deadline has passed: a normal closure is recorded as an overdue closure.</source>
        <translation>已超过处置时限：按正常结案办理将记为超时结案。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="77" />
        <source>Closure condition: %1</source>
        <translation>结案条件：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="82" />
        <source>An error or special closure needs a reason</source>
        <translation>差错结案、特殊结案必须填写理由</translation>
    </message>
</context>
<context>
    <name>CommandPalette</name>
    <message>
        <location filename="../../seatdesk/ui/session/command_palette.py" line="86" />
        <source>Command palette</source>
        <translation>命令面板</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/command_palette.py" line="90" />
        <source>Action, pinyin initials or case number…</source>
        <translation>操作名称、拼音首字母或案卷编号…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/command_palette.py" line="98" />
        <source>Enter runs · Esc closes</source>
        <translation>回车执行 · Esc 关闭</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/command_palette.py" line="128" />
        <source>Open case %1</source>
        <translation>打开案卷 %1</translation>
    </message>
</context>
<context>
    <name>ConditionsPage</name>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="30" />
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="55" />
        <source>Code</source>
        <translation>编码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="31" />
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="56" />
        <source>Filing condition</source>
        <translation>立案条件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="32" />
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="57" />
        <source>Closure condition</source>
        <translation>结案条件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="33" />
        <source>Time limits</source>
        <translation>处置时限</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="35" />
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="41" />
        <source>Review</source>
        <translation>待审核</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="96" />
        <source>Default value, to review</source>
        <translation>默认值，待审核</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="38" />
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="70" />
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="39" />
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="71" />
        <source>Zone</source>
        <translation>区域</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="39" />
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="66" />
        <source>All zones</source>
        <translation>全部区域</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="40" />
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="72" />
        <source>Time limit</source>
        <translation>处置时限</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="41" />
        <source>Derived by rule</source>
        <translation>推算值</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="52" />
        <source>Active</source>
        <translation>启用</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="58" />
        <source>Responsible unit</source>
        <translation>责任单位</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="60" />
        <source>New condition</source>
        <translation>新增立案条件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="61" />
        <source>Save condition</source>
        <translation>保存立案条件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="68" />
        <source>e.g. 4工作时, 7工作日, 2小时</source>
        <translation>如：4工作时、7工作日、2小时</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="73" />
        <source>Set time limit</source>
        <translation>设置处置时限</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="74" />
        <source>Remove time limit</source>
        <translation>删除处置时限</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="75" />
        <source>Time limits of the selected condition</source>
        <translation>所选立案条件的处置时限</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="89" />
        <source>Class</source>
        <translation>小类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="98" />
        <source>Urgent limit derived</source>
        <translation>紧急时限推算</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="163" />
        <source>Select or save a filing condition first</source>
        <translation>请先选择或保存一个立案条件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/conditions_page.py" line="181" />
        <source>Removed</source>
        <translation>已删除</translation>
    </message>
</context>
<context>
    <name>ConnectionBanner</name>
    <message>
        <location filename="../../seatdesk/ui/session/connection_banner.py" line="95" />
        <source>Retry now</source>
        <translation>立即重试</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/connection_banner.py" line="116" />
        <source>The database connection is lost (%1). Retrying automatically (attempt %2). Hotline reports you save now are kept on this computer and submitted when the connection returns.</source>
        <translation>数据库连接已中断（%1），正在自动重试（第 %2 次）。现在保存的热线受理单将保存在本机，连接恢复后自动提交。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/connection_banner.py" line="121" />
        <source>Waiting in the outbox: %1</source>
        <translation>本机待提交：%1 条</translation>
    </message>
</context>
<context>
    <name>DemoAccountsHint</name>
    <message>
        <location filename="../../seatdesk/ui/session/demo_hint.py" line="58" />
        <source>Demo database: show the demo accounts</source>
        <translation>演示数据库：查看演示账号</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/demo_hint.py" line="87" />
        <source>and %1 more: a supervisor per beat (jiandu02 …) and one account per department (bm_ and the department code)</source>
        <translation>另有 %1 个账号：每个片区一名监督员（jiandu02 …），每个部门一个账号（bm_ 加部门代码）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/demo_hint.py" line="93" />
        <source>Every demo account has the password %1</source>
        <translation>演示账号的密码均为 %1</translation>
    </message>
</context>
<context>
    <name>DepartmentChart</name>
    <message>
        <location filename="../../seatdesk/ui/kpi/departments.py" line="78" />
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/departments.py" line="111" />
        <source>%1 late</source>
        <translation>%1 件超期</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/departments.py" line="122" />
        <source>No department has %1 or more cases due</source>
        <translation>没有部门的应处置案件达到 %1 件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/departments.py" line="125" />
        <source>%1 departments with fewer than %2 cases due not shown</source>
        <translation>另有 %1 个部门应处置案件少于 %2 件，未列出</translation>
    </message>
</context>
<context>
    <name>DepartmentsPage</name>
    <message>
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="19" />
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="34" />
        <source>Code</source>
        <translation>编码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="20" />
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="34" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="21" />
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="35" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="22" />
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="35" />
        <source>Parent</source>
        <translation>上级部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="23" />
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="36" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="24" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="25" />
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="31" />
        <source>Active</source>
        <translation>启用</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="25" />
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="39" />
        <source>New department</source>
        <translation>新增部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="39" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/departments_page.py" line="45" />
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
</context>
<context>
    <name>DispatchDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/dispatch.py" line="43" />
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/dispatch.py" line="46" />
        <source>Reading the departments and the suggestion…</source>
        <translation>正在读取部门和建议派遣单位…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/dispatch.py" line="55" />
        <source>(district centre)</source>
        <translation>（区级平台）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/dispatch.py" line="70" />
        <source>Suggested: &lt;b&gt;%1&lt;/b&gt; — %2</source>
        <translation>建议派遣：&lt;b&gt;%1&lt;/b&gt; — %2</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/dispatch.py" line="74" />
        <source>No suggestion: neither a component owner nor the responsibility matrix names a department for this case.</source>
        <translation>无建议：部件权属和责任矩阵均未指定该案卷的责任单位。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/dispatch.py" line="81" />
        <source>The case has no handling limit (it was not filed under a condition).</source>
        <translation>该案卷没有处置时限（未按立案条件立案）。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/dispatch.py" line="85" />
        <source>Handling limit %1; redispatch keeps the deadline %2</source>
        <translation>处置时限 %1；改派保持原截止时间 %2</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/dispatch.py" line="90" />
        <source>Handling limit %1: dispatched now, the deadline is &lt;b&gt;%2&lt;/b&gt;</source>
        <translation>处置时限 %1：现在派遣，截止时间为 &lt;b&gt;%2&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/dispatch.py" line="102" />
        <source>Choose the department</source>
        <translation>请选择派遣部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/dispatch.py" line="106" />
        <source>「%1」 is not a department you may dispatch to: choose one from the list</source>
        <translation>「%1」不是可派遣的部门：请从列表中选择</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/dispatch.py" line="109" />
        <source> (matching: %1)</source>
        <translation>（相符的部门：%1）</translation>
    </message>
</context>
<context>
    <name>DraftKeeper</name>
    <message>
        <location filename="../../seatdesk/ui/session/draft_keeper.py" line="171" />
        <source>Your draft is back (kept at %1). Cancel keeps it; clear the text to drop it.</source>
        <translation>已恢复 %1 保存的草稿。按“取消”仍保留草稿；清空文字即放弃草稿。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/draft_keeper.py" line="217" />
        <source>Drafts cannot be kept on this computer: %1</source>
        <translation>无法在本机保存草稿：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/draft_keeper.py" line="275" />
        <source>Hotline report: %1</source>
        <translation>热线受理：%1</translation>
    </message>
</context>
<context>
    <name>DraftOffer</name>
    <message>
        <location filename="../../seatdesk/ui/session/draft_offer.py" line="52" />
        <source>A hotline report draft needs the hotline intake page, which your role does not have.</source>
        <translation>热线受理草稿需要“热线受理”页面，您的角色没有该页面。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/draft_offer.py" line="58" />
        <source>Draft restored: check it and save (Ctrl+S)</source>
        <translation>草稿已恢复：请核对后保存（Ctrl+S）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/draft_offer.py" line="67" />
        <source>Your draft of “%1” cannot be used now: the case is %2. Discard it in Seat → Unsaved drafts.</source>
        <translation>「%1」的草稿现在无法使用：案卷当前状态为%2。可在 坐席 → 未保存的草稿 中放弃。</translation>
    </message>
</context>
<context>
    <name>DraftsDialog</name>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="35" />
        <source>Unsaved drafts</source>
        <translation>未保存的草稿</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="37" />
        <source>This work was typed but not saved (before a sign-out, a closed window or a crash). Restore it or discard it; what you leave here is offered again at the next sign-in (Seat → Unsaved drafts).</source>
        <translation>以下内容已输入但未保存（在退出登录、关闭窗口或程序异常退出之前）。请恢复或放弃；留在这里的草稿下次登录时会再次提示（坐席 → 未保存的草稿）。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="47" />
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="49" />
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="51" />
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="77" />
        <source>%1 · Hotline report · %2</source>
        <translation>%1 · 热线受理 · %2</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="80" />
        <source>%1 · %2 on case %3 · %4</source>
        <translation>%1 · 案卷 %3 的「%2」 · %4</translation>
    </message>
</context>
<context>
    <name>DuplicateModel</name>
    <message>
        <location filename="../../seatdesk/ui/intake/models.py" line="76" />
        <source>Case number</source>
        <translation>案卷编号</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/models.py" line="76" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/models.py" line="76" />
        <source>Score</source>
        <translation>得分</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/models.py" line="77" />
        <source>Distance</source>
        <translation>距离</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/models.py" line="77" />
        <source>Why</source>
        <translation>依据</translation>
    </message>
</context>
<context>
    <name>Enum</name>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="24" />
        <source>New case</source>
        <translation>新案卷</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="25" />
        <source>Awaiting acceptance</source>
        <translation>待受理</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="26" />
        <source>Awaiting verification</source>
        <translation>待核实</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="27" />
        <source>Voided</source>
        <translation>作废</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="28" />
        <source>Awaiting filing</source>
        <translation>待立案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="29" />
        <source>Not filed</source>
        <translation>不予立案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="30" />
        <source>Awaiting dispatch</source>
        <translation>待派遣</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="31" />
        <source>Awaiting district dispatch</source>
        <translation>区级待派遣</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="32" />
        <source>In handling</source>
        <translation>处置中</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="33" />
        <source>Return requested</source>
        <translation>回退申请</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="34" />
        <source>Extension requested</source>
        <translation>延期申请</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="35" />
        <source>Suspension requested</source>
        <translation>挂账申请</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="36" />
        <source>Suspended</source>
        <translation>挂账</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="37" />
        <source>Voiding requested</source>
        <translation>作废申请</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="38" />
        <source>Awaiting check</source>
        <translation>待核查</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="39" />
        <source>Check under way</source>
        <translation>核查中</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="40" />
        <source>Awaiting closure</source>
        <translation>待结案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="41" />
        <source>Closed</source>
        <translation>结案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="42" />
        <source>Merged</source>
        <translation>已合并</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="45" />
        <source>Supervisor patrol</source>
        <translation>监督员巡查</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="46" />
        <source>12345 government service hotline</source>
        <translation>12345政务服务便民热线</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="47" />
        <source>12319 hotline</source>
        <translation>12319热线</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="48" />
        <source>Mayor's hotline</source>
        <translation>市长热线</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="49" />
        <source>Mayor's mailbox</source>
        <translation>市长信箱</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="50" />
        <source>Media report</source>
        <translation>民生聚焦</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="51" />
        <source>Online complaint</source>
        <translation>网上投诉</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="52" />
        <source>Assigned by superiors</source>
        <translation>上级交办</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="53" />
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="56" />
        <source>Satisfied</source>
        <translation>满意</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="57" />
        <source>Basically satisfied</source>
        <translation>基本满意</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="58" />
        <source>Dissatisfied</source>
        <translation>不满意</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="59" />
        <source>Could not be reached</source>
        <translation>无法联系</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="62" />
        <source>Call-taker</source>
        <translation>受理员</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="63" />
        <source>Shift lead</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="64" />
        <source>Dispatcher</source>
        <translation>派遣员</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="65" />
        <source>Department user</source>
        <translation>专业部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="66" />
        <source>Supervisor</source>
        <translation>监督员</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="67" />
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="68" />
        <source>Wall display (read-only)</source>
        <translation>大屏(只读)</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="71" />
        <source>Normal</source>
        <translation>一般</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="72" />
        <source>Urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="75" />
        <source>working minutes</source>
        <translation>工作分钟</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="76" />
        <source>working hours</source>
        <translation>工作时</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="77" />
        <source>working days</source>
        <translation>工作日</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="78" />
        <source>minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="79" />
        <source>hours</source>
        <translation>小时</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="80" />
        <source>calendar days</source>
        <translation>自然日</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="83" />
        <source>Normal closure</source>
        <translation>正常结案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="84" />
        <source>Overdue closure</source>
        <translation>超时结案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="85" />
        <source>Closure as an error</source>
        <translation>差错结案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="86" />
        <source>Special closure</source>
        <translation>特殊结案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="89" />
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="90" />
        <source>Recording</source>
        <translation>录音</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="91" />
        <source>Attachment</source>
        <translation>附件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="94" />
        <source>Green light</source>
        <translation>绿灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="95" />
        <source>Yellow light</source>
        <translation>黄灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="96" />
        <source>Red light</source>
        <translation>红灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="99" />
        <source>Register</source>
        <translation>登记</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="100" />
        <source>Send for verification</source>
        <translation>派发核实</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="101" />
        <source>Verification reply</source>
        <translation>核实回复</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="102" />
        <source>Accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="103" />
        <source>Void (not accepted)</source>
        <translation>作废(不予受理)</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="104" />
        <source>File</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="105" />
        <source>Refuse filing</source>
        <translation>不予立案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="106" />
        <source>Dispatch</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="107" />
        <source>Send back to the city</source>
        <translation>退回市级</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="108" />
        <source>Redispatch</source>
        <translation>改派</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="109" />
        <source>Urge</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="110" />
        <source>Sign for</source>
        <translation>签收</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="111" />
        <source>Request return</source>
        <translation>申请回退</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="112" />
        <source>Approve return</source>
        <translation>同意回退</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="113" />
        <source>Refuse return</source>
        <translation>驳回回退</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="114" />
        <source>Request extension</source>
        <translation>申请延期</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="115" />
        <source>Approve extension</source>
        <translation>批准延期</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="116" />
        <source>Refuse extension</source>
        <translation>驳回延期</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="117" />
        <source>Request suspension</source>
        <translation>申请挂账</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="118" />
        <source>Approve suspension</source>
        <translation>批准挂账</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="119" />
        <source>Refuse suspension</source>
        <translation>驳回挂账</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="120" />
        <source>Resume from suspension</source>
        <translation>挂账恢复</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="121" />
        <source>Handling feedback</source>
        <translation>处置反馈</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="122" />
        <source>Send for check</source>
        <translation>派发核查</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="123" />
        <source>Check passed</source>
        <translation>核查通过</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="124" />
        <source>Check failed (rework)</source>
        <translation>核查不通过(返工)</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="125" />
        <source>Close the case</source>
        <translation>结案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="126" />
        <source>Request voiding</source>
        <translation>申请作废</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="127" />
        <source>Approve voiding</source>
        <translation>批准作废</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="128" />
        <source>Refuse voiding</source>
        <translation>驳回作废</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="129" />
        <source>Merge as a duplicate</source>
        <translation>合并为重复案卷</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="130" />
        <source>Duplicate merged in</source>
        <translation>并入重复案卷</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="131" />
        <source>Take the task</source>
        <translation>领取任务</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/enum_labels.py" line="132" />
        <source>Call back</source>
        <translation>回访</translation>
    </message>
</context>
<context>
    <name>FeedbackDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/handling.py" line="29" />
        <source>What was done</source>
        <translation>处置情况</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/handling.py" line="33" />
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/handling.py" line="36" />
        <source>A supervisor will check on site against the closure condition: %1</source>
        <translation>监督员将按结案条件现场核查：%1</translation>
    </message>
</context>
<context>
    <name>FilePicker</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/base.py" line="108" />
        <source>Add photos or files…</source>
        <translation>添加照片或文件…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/base.py" line="116" />
        <source>Add photos or files</source>
        <translation>添加照片或文件</translation>
    </message>
</context>
<context>
    <name>FilingDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="109" />
        <source>Filing condition</source>
        <translation>立案条件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="142" />
        <source>no time limit</source>
        <translation>无时限</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="144" />
        <source>, derived</source>
        <translation>，推算值</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="170" />
        <source>Choose the minor class first: filing needs one of its filing conditions, which sets the time limit and the closure condition.</source>
        <translation>请先选择小类：立案须选定该小类的立案条件，由其确定处置时限和结案条件。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="173" />
        <source>This class has no active filing condition: an administrator must add one before cases of it can be filed.</source>
        <translation>该小类没有启用的立案条件：须由管理员补充后才能立案。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="176" />
        <source>Filing conditions of this class (time limit by urgency and zone; closure condition):</source>
        <translation>该小类的立案条件（按紧急程度和区域的处置时限；结案条件）：</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="184" />
        <source>no limit set</source>
        <translation>未设时限</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="185" />
        <source>placeholder value, to be reviewed</source>
        <translation>默认值，待管理员审核</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="197" />
        <source>No time limit for this urgency: filing will be refused until an administrator adds one.</source>
        <translation>该紧急程度没有处置时限：管理员补充前无法立案。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="199" />
        <source>This case gets %1, counted from the dispatch; it closes when: %2</source>
        <translation>本案处置时限 %1，自派遣起计时；结案条件：%2</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="205" />
        <source>Choose the minor class</source>
        <translation>请选择小类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="207" />
        <source>Choose the filing condition</source>
        <translation>请选择立案条件</translation>
    </message>
</context>
<context>
    <name>HandoverHistoryModel</name>
    <message>
        <location filename="../../seatdesk/ui/session/handover_history.py" line="81" />
        <source>Acknowledged at</source>
        <translation>确认时间</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/handover_history.py" line="81" />
        <source>Acknowledged by</source>
        <translation>确认人</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/handover_history.py" line="82" />
        <source>Handed over</source>
        <translation>交接内容</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/handover_history.py" line="82" />
        <source>Note</source>
        <translation>说明</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/handover_history.py" line="110" />
        <source>Open %1 · red %2 · going red %3 · callbacks %4 · suspended %5</source>
        <translation>在办 %1 · 红灯 %2 · 将超期 %3 · 待回访 %4 · 挂账 %5</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/handover_history.py" line="119" />
        <source>Moved from the old handover log: no summary recorded</source>
        <translation>由旧交接班日志迁移，未记录交接内容</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/handover_history.py" line="121" />
        <source>Open by stage: %1</source>
        <translation>各环节在办：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/handover_history.py" line="123" />
        <source>Going red: %1</source>
        <translation>将超期：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/handover_history.py" line="125" />
        <source>Suspended: %1</source>
        <translation>挂账：%1</translation>
    </message>
</context>
<context>
    <name>HistoryModel</name>
    <message>
        <location filename="../../seatdesk/ui/intake/models.py" line="91" />
        <source>Same</source>
        <translation>相同</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/models.py" line="91" />
        <source>Case number</source>
        <translation>案卷编号</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/models.py" line="91" />
        <source>Reported</source>
        <translation>上报时间</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/models.py" line="91" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/models.py" line="92" />
        <source>Class</source>
        <translation>小类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/models.py" line="92" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/models.py" line="98" />
        <source>grid cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/models.py" line="98" />
        <source>component</source>
        <translation>部件</translation>
    </message>
</context>
<context>
    <name>IntakeForm</name>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="99" />
        <source>Anonymous caller</source>
        <translation>匿名来电</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="101" />
        <source>Caller wants a callback</source>
        <translation>需要回访</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="107" />
        <source>What the caller reports</source>
        <translation>来电反映的问题</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="118" />
        <source>Save (Ctrl+S)</source>
        <translation>保存（Ctrl+S）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="120" />
        <source>Merge into the chosen case (Ctrl+M)</source>
        <translation>合并到所选案卷（Ctrl+M）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="122" />
        <source>New form (Ctrl+Shift+Backspace)</source>
        <translation>新受理单（Ctrl+Shift+Backspace）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="137" />
        <location filename="../../seatdesk/ui/intake/form.py" line="360" />
        <source>Possible duplicates</source>
        <translation>疑似重复案卷</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="139" />
        <source>Recent cases in the same grid cell or component</source>
        <translation>同一网格或部件的近期案卷</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="181" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="182" />
        <source>Phone number</source>
        <translation>电话号码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="185" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="186" />
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="187" />
        <source>Location</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="188" />
        <source>Class</source>
        <translation>小类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="189" />
        <source>Description</source>
        <translation>问题描述</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="190" />
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="192" />
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="290" />
        <source>Choose the location: search an address or pick it on the map (F9)</source>
        <translation>请确定位置：搜索地址或在地图上点选（F9）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="292" />
        <source>Describe the problem or choose its class</source>
        <translation>请填写问题描述或选择小类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="295" />
        <source>Enter the caller's phone number, or tick “Anonymous caller”</source>
        <translation>请填写来电号码，或勾选「匿名来电」</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="297" />
        <source>The phone number is not valid: digits, spaces and dashes only</source>
        <translation>电话号码格式不正确：只能包含数字、空格和短横线</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="359" />
        <source>Possible duplicates: %1</source>
        <translation>疑似重复案卷：%1 个</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="372" />
        <source>%1 — score %2: %3</source>
        <translation>%1 — 得分 %2：%3</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="393" />
        <source>Checking for duplicates…</source>
        <translation>正在检查重复案卷…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="399" />
        <source>%1 possible duplicates: choose one and press Ctrl+M to merge, or press Ctrl+S again to save a new case</source>
        <translation>发现 %1 个疑似重复案卷：选中一个按 Ctrl+M 合并，或再按 Ctrl+S 保存为新案卷</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="409" />
        <source>No duplicate chosen</source>
        <translation>未选择要合并的案卷</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/form.py" line="440" />
        <source>Not registered: the point is outside the city's extent. Check the location (search or pick it on the map, F9); the report stays in the form</source>
        <translation>未登记：位置不在本市范围内。请核对位置（搜索地点或在地图上点选，F9），已填内容仍保留在表单中</translation>
    </message>
</context>
<context>
    <name>IntakeSubmitter</name>
    <message>
        <location filename="../../seatdesk/ui/intake/submit.py" line="64" />
        <source>The caller reports a problem already known</source>
        <translation>来电反映的问题已有在办案卷</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/submit.py" line="65" />
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/submit.py" line="89" />
        <source>Case %1 registered</source>
        <translation>已登记案卷 %1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/submit.py" line="92" />
        <source>Registered as %1 and merged into case %2: the caller is on its callback list</source>
        <translation>已登记为 %1 并合并到案卷 %2：来电人已加入该案卷的回访名单</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/submit.py" line="97" />
        <source>Case %1 registered, but it could not be merged: %2</source>
        <translation>已登记案卷 %1，但未能合并：%2</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/submit.py" line="108" />
        <source>No connection: the report is kept on this computer (%1 waiting) and submitted when the connection returns</source>
        <translation>连接中断：受理单已保存在本机（待提交 %1 条），连接恢复后自动提交</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/submit.py" line="156" />
        <source>Report saved offline had been registered as case %1 before the connection was lost</source>
        <translation>离线保存的受理单在连接中断前已登记为案卷 %1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/submit.py" line="168" />
        <source>Report saved offline was registered as case %1</source>
        <translation>离线保存的受理单已登记为案卷 %1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/submit.py" line="189" />
        <source>A report saved offline was refused: %1</source>
        <translation>离线保存的上报被退回：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/submit.py" line="201" />
        <source>A report saved offline has possible duplicates; it opens when this form is saved or cleared</source>
        <translation>一条离线保存的受理单存在疑似重复，本受理单保存或清空后将打开它</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/submit.py" line="207" />
        <source>Report saved offline at %1: %2 possible duplicates found now. Ctrl+M merges into the chosen case, Ctrl+S saves a new case.</source>
        <translation>%1 离线保存的受理单：现发现 %2 个疑似重复案卷。Ctrl+M 合并到所选案卷，Ctrl+S 保存为新案卷。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/submit.py" line="214" />
        <source>A report saved offline lies outside the city's extent; it opens when this form is saved or cleared</source>
        <translation>一条离线保存的上报位置不在本市范围内，将在本表单保存或清空后打开</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/submit.py" line="220" />
        <source>Report saved offline at %1 lies outside the city's extent: check its location; Ctrl+S asks before registering it</source>
        <translation>%1 离线保存的上报位置不在本市范围内：请核对位置；按 Ctrl+S 时会先确认再登记</translation>
    </message>
</context>
<context>
    <name>KpiPanels</name>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="168" />
        <source>Reports today by hour</source>
        <translation>今日各时段上报</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="169" />
        <source>Reports today by source</source>
        <translation>今日各来源上报</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="170" />
        <source>Open cases by stage</source>
        <translation>各环节在办案件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="171" />
        <source>Status lights of open cases</source>
        <translation>在办案件亮灯情况</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="173" />
        <source>Departments by on-time handling, last 30 days (worst first; cases due)</source>
        <translation>各部门按期处置率（近30天，由低到高；括号内为应处置数）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="174" />
        <source>Last 7 days (blue: reports, green: closures)</source>
        <translation>近7天（蓝：上报数，绿：结案数）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="175" />
        <source>Last 30 days (blue: reports, green: closures)</source>
        <translation>近30天（蓝：上报数，绿：结案数）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="210" />
        <source>callback satisfaction (30 days): no caller reached yet</source>
        <translation>回访满意率（近30天）：尚无接通的回访</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="211" />
        <source>callback satisfaction (30 days) %1 % (%2 of %3)</source>
        <translation>回访满意率（近30天）%1%（%2/%3）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="216" />
        <source>Today %1 reports · %2 open cases · %3 red</source>
        <translation>今日上报 %1 件 · 在办 %2 件 · 红灯 %3 件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="225" />
        <source>green</source>
        <translation>绿灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="225" />
        <source>yellow</source>
        <translation>黄灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="225" />
        <source>red</source>
        <translation>红灯</translation>
    </message>
</context>
<context>
    <name>LeavePrompt</name>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="113" />
        <source>Unsaved work</source>
        <translation>未保存的内容</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="114" />
        <source>Sign out with unsaved work?</source>
        <translation>有未保存的内容，仍要退出登录吗？</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="115" />
        <source>Close with unsaved work?</source>
        <translation>有未保存的内容，仍要关闭窗口吗？</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="117" />
        <source>Keep as draft: it is offered to you at your next sign-in on this computer.</source>
        <translation>保存草稿：下次在本机登录时会提示恢复。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="118" />
        <source>Keep as draft</source>
        <translation>保存草稿</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="120" />
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/drafts_dialog.py" line="122" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>LedgerPane</name>
    <message>
        <location filename="../../seatdesk/ui/case/ledger_timeline.py" line="195" />
        <source>The first %1 entries of this case are not online (archived months, or deleted): only an administrator can tell, with seatdesk ledger verify.</source>
        <translation>本案前 %1 条处理记录不在线（已归档或被删除）：只有管理员可用 seatdesk ledger verify 查明。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/ledger_timeline.py" line="202" />
        <source>%1 to %2</source>
        <translation>%1 至 %2</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/ledger_timeline.py" line="204" />
        <source>%1 earlier entries of this case, from %2, are archived (ledger_segments) and not listed here: an administrator can re-attach them (seatdesk ledger reattach) to read them.</source>
        <translation>本案 %2 的 %1 条早期处理记录已归档（ledger_segments），此处未列出；管理员重新挂载（seatdesk ledger reattach）后可查阅。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/ledger_timeline.py" line="209" />
        <source> The photos and recordings of those months (if any) are archived too.</source>
        <translation>这些月份上传的照片和录音（如有）也已归档。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/ledger_timeline.py" line="212" />
        <source>%1 entries of this case are neither online nor archived: the ledger may have been tampered with; ask an administrator to run seatdesk ledger verify.</source>
        <translation>本案有 %1 条处理记录既不在线、也没有归档记录：台账可能被删改，请管理员运行 seatdesk ledger verify 查明。</translation>
    </message>
</context>
<context>
    <name>LedgerTimelineModel</name>
    <message>
        <location filename="../../seatdesk/ui/case/ledger_timeline.py" line="92" />
        <source>any supervisor</source>
        <translation>任一监督员</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/ledger_timeline.py" line="102" />
        <source>Reason/note: %1</source>
        <translation>理由/说明：%1</translation>
    </message>
</context>
<context>
    <name>LimitHint</name>
    <message>
        <location filename="../../seatdesk/ui/intake/limit_hint.py" line="72" />
        <source>⚠ No filing condition of this class has a time limit for “%1”: the shift lead cannot file it until an administrator adds one.</source>
        <translation>⚠ 本小类的立案条件都没有“%1”处置时限：管理员补充前值班长无法立案。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/limit_hint.py" line="77" />
        <source>Time limits of this class for “%1”: %2</source>
        <translation>本小类“%1”处置时限：%2</translation>
    </message>
</context>
<context>
    <name>LocationPicker</name>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="65" />
        <source>Search: road and number, place, community, grid cell or component code</source>
        <translation>搜索：路名门牌、地点、社区、网格或部件编码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="69" />
        <source>Pick on map (F9)</source>
        <translation>地图选点（F9）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="75" />
        <source>Address as the caller describes it</source>
        <translation>来电人描述的地址</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="80" />
        <source>Address from the location (Alt+↓)</source>
        <translation>按位置填写地址（Alt+↓）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="88" />
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="230" />
        <source>No location chosen yet</source>
        <translation>尚未确定位置</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="103" />
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="267" />
        <source>No component</source>
        <translation>不涉及部件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="188" />
        <source>grid cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="188" />
        <source>road</source>
        <translation>道路</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="189" />
        <source>community</source>
        <translation>社区</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="189" />
        <source>street</source>
        <translation>街道</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="190" />
        <source>component</source>
        <translation>部件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="190" />
        <source>known address</source>
        <translation>已知地址</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="214" />
        <source>Map pick: %1</source>
        <translation>地图选点：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="240" />
        <source>road %1 (%2 m)</source>
        <translation>道路 %1（%2 m）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="249" />
        <source>This point (%1, %2) is outside the city's extent. Check the location with the caller: a point here is most likely misplaced, and a case registered here has no grid cell. Saving it asks for a confirmation.</source>
        <translation>该点（经度 %1，纬度 %2）不在本市范围内。请与来电人核对位置：此处的点多半定位有误，在此登记的案件没有所属单元网格。保存时需再次确认。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="261" />
        <source>The address was typed and stays as it is; the location gives “%1” (Alt+↓ to use it)</source>
        <translation>地址为手工填写，未随位置更改；该位置的地址为“%1”（Alt+↓ 可改用）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="284" />
        <source>From the location: %1</source>
        <translation>按位置：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="286" />
        <source>Known address nearby: %1</source>
        <translation>附近已知地址：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="288" />
        <source>The component's name: %1</source>
        <translation>部件名称：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="301" />
        <source>Choose the location first</source>
        <translation>请先确定位置</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="233" />
        <source>Point %1, %2 (grid cell not resolved yet)</source>
        <translation>坐标 %1, %2（网格尚未解析）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="237" />
        <source>Grid cell %1 %2 · %3 · %4</source>
        <translation>网格 %1 %2 · %3 · %4</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/location_picker.py" line="236" />
        <source>Outside every grid cell: check the location</source>
        <translation>不在任何单元网格内：请核对位置</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="98" />
        <source>seatdesk — sign in</source>
        <translation>seatdesk — 登录</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="99" />
        <source>Digital city management command centre</source>
        <translation>数字化城市管理监督指挥中心</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="107" />
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="109" />
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="110" />
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="148" />
        <source>Enter your user name and password</source>
        <translation>请输入用户名和密码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="150" />
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="178" />
        <source>You must change your password before signing in</source>
        <translation>必须先修改密码才能登录</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../seatdesk/ui/session/main_window.py" line="64" />
        <source>seatdesk — city management command centre</source>
        <translation>seatdesk — 数字化城市管理监督指挥中心</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/main_window.py" line="73" />
        <source>Up to date</source>
        <translation>已更新</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/main_window.py" line="93" />
        <location filename="../../seatdesk/ui/session/main_window.py" line="142" />
        <source>Connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/main_window.py" line="110" />
        <source>&amp;Seat</source>
        <translation>坐席(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/main_window.py" line="115" />
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/main_window.py" line="119" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/main_window.py" line="127" />
        <source>&amp;Case</source>
        <translation>案卷(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/main_window.py" line="137" />
        <source>Someone tried to sign in as you in another window on this computer: this is your workspace.</source>
        <translation>有人在本机另一个窗口中以您的账号登录：已切换到您已打开的这个工作台。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/main_window.py" line="143" />
        <source>Connection lost — retrying</source>
        <translation>连接中断 — 正在重试</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/main_window.py" line="150" />
        <source>Read replica unreachable — reading the primary</source>
        <translation>只读副本无法连接 — 正在读取主库</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/main_window.py" line="153" />
        <source>Read replica %1 s behind</source>
        <translation>只读副本落后 %1 秒</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/main_window.py" line="158" />
        <source>Database unavailable, retrying</source>
        <translation>数据库不可用，正在重试</translation>
    </message>
</context>
<context>
    <name>MapPage</name>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="24" />
        <source>Basemap</source>
        <translation>底图</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="25" />
        <source>Unit grid cells</source>
        <translation>单元网格</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="26" />
        <source>Open cases per grid cell</source>
        <translation>网格在办案件数</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="27" />
        <source>Streets</source>
        <translation>街道</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="28" />
        <source>Communities</source>
        <translation>社区</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="29" />
        <source>Roads</source>
        <translation>道路</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="30" />
        <source>Components</source>
        <translation>部件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="31" />
        <source>Cases</source>
        <translation>案卷</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="32" />
        <source>Supervisors</source>
        <translation>监督员</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="33" />
        <source>Legend</source>
        <translation>图例</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="34" />
        <source>Map layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="35" />
        <source>Grid cell code</source>
        <translation>网格编码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="36" />
        <source>Grid cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="37" />
        <source>Community</source>
        <translation>社区</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="38" />
        <source>Street</source>
        <translation>街道</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="39" />
        <source>Case lights</source>
        <translation>案卷亮灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="40" />
        <source>Case stages</source>
        <translation>案卷环节</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="41" />
        <source>Component classes</source>
        <translation>部件大类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="42" />
        <source>Zoom in to level %1 to see components</source>
        <translation>放大到 %1 级以上显示部件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="43" />
        <source>Showing the first %1 components here</source>
        <translation>此处仅显示前 %1 个部件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="44" />
        <source>Last seen</source>
        <translation>最后定位</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="45" />
        <source>Picked location</source>
        <translation>选定位置</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="46" />
        <source>Nearby components</source>
        <translation>附近部件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="47" />
        <source>Outside every grid cell</source>
        <translation>不在任何单元网格内</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="48" />
        <source>Outside the city's extent: check the location, it is most likely misplaced</source>
        <translation>不在本市范围内：请核对位置，多半是点错了</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="51" />
        <source>Click the map to place the location; drag the pin to correct it</source>
        <translation>点击地图选定位置，拖动图钉可修正</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="54" />
        <source>No basemap configured</source>
        <translation>未配置底图</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="55" />
        <source>Nearest road</source>
        <translation>最近道路</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="56" />
        <source>Known address nearby</source>
        <translation>附近已知地址</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="57" />
        <source>Show the legend</source>
        <translation>展开图例</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="58" />
        <source>Hide the legend</source>
        <translation>收起图例</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="60" />
        <source>Red</source>
        <translation>红灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="61" />
        <source>Yellow</source>
        <translation>黄灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="62" />
        <source>Green</source>
        <translation>绿灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="63" />
        <source>No clock running</source>
        <translation>未计时</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="64" />
        <source>Intake, verification, filing</source>
        <translation>受理/核实/立案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="65" />
        <source>Awaiting dispatch</source>
        <translation>待派遣</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="66" />
        <source>In handling</source>
        <translation>处置中</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="67" />
        <source>Suspended</source>
        <translation>挂账</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="68" />
        <source>Check</source>
        <translation>核查</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="69" />
        <source>Awaiting closure</source>
        <translation>待结案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="70" />
        <source>R</source>
        <translation>受</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="71" />
        <source>D</source>
        <translation>派</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="72" />
        <source>H</source>
        <translation>处</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="73" />
        <source>S</source>
        <translation>挂</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="74" />
        <source>C</source>
        <translation>核</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="75" />
        <source>F</source>
        <translation>结</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="76" />
        <source>P</source>
        <translation>监</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="82" />
        <source>%1 left</source>
        <extracomment>how the markers' remaining time is written (``workflow.lights.RemainingWords``); in English "wd", "wh", "wmin" are working days, hours and minutes</extracomment>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="83" />
        <source>%1 overdue</source>
        <translation>超期 %1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="84" />
        <source>%1 wd</source>
        <translation>%1工作日</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="85" />
        <source>%1 wh</source>
        <translation>%1工作时</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="86" />
        <source>%1 wmin</source>
        <translation>%1工作分</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="87" />
        <source>%1 d</source>
        <translation>%1天</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="88" />
        <source>%1 h</source>
        <translation>%1小时</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="89" />
        <location filename="../../seatdesk/map/labels.py" line="90" />
        <source>%1 min</source>
        <translation>%1分</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="91" />
        <source>under %1</source>
        <translation>不足%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/labels.py" line="92" />
        <source>%1 %2</source>
        <translation>%1%2</translation>
    </message>
</context>
<context>
    <name>MapWindow</name>
    <message>
        <location filename="../../seatdesk/map/window.py" line="19" />
        <source>Map — grid cells, components, cases and supervisors</source>
        <translation>地图 — 单元网格、部件、案卷和监督员</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/window.py" line="23" />
        <source>Map</source>
        <translation>地图</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/window.py" line="25" />
        <source>Pick a location</source>
        <translation>选取位置</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/window.py" line="28" />
        <source>Turn on “Pick a location” and click the map</source>
        <translation>打开“选取位置”后点击地图</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/window.py" line="44" />
        <source>Outside the city's extent: check the location</source>
        <translation>不在本市范围内：请核对位置</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/window.py" line="47" />
        <source>Grid cell %1 (%2) · community %3 · street %4</source>
        <translation>网格 %1（%2）· 社区 %3 · 街道 %4</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/window.py" line="54" />
        <source>Outside every grid cell</source>
        <translation>不在任何单元网格内</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/window.py" line="56" />
        <source>road %1 (%2 m)</source>
        <translation>道路 %1（%2 m）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/window.py" line="63" />
        <source>nearby components: %1</source>
        <translation>附近部件：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/window.py" line="65" />
        <source>no components nearby</source>
        <translation>附近无部件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/map/window.py" line="69" />
        <source>Case %1 selected</source>
        <translation>已选中案卷 %1</translation>
    </message>
</context>
<context>
    <name>MergeDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="101" />
        <source>Merge into</source>
        <translation>合并到</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="104" />
        <source>The case ends as merged; its callers are added to the surviving case so the callback reaches them all.</source>
        <translation>本案卷将结束为「已合并」；其来电人加入保留的案卷，回访时一并回复。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="120" />
        <source>No duplicate candidates near this case</source>
        <translation>该案卷附近没有疑似重复案卷</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/closing.py" line="123" />
        <source>Choose the case to merge into</source>
        <translation>请选择要合并到的案卷</translation>
    </message>
</context>
<context>
    <name>Operations</name>
    <message>
        <location filename="../../seatdesk/ui/operations.py" line="96" />
        <source>The connection to the database was lost while saving, so it is not known whether the action was saved. When the connection is back, check the case before doing it again.</source>
        <translation>保存时与数据库的连接中断，无法确定操作是否已保存。连接恢复后请先核对案卷，再决定是否重做。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/operations.py" line="102" />
        <source>The database cannot be reached. Nothing was saved; try again when the connection is back.</source>
        <translation>无法连接数据库。未保存任何内容；连接恢复后请重试。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/operations.py" line="108" />
        <source>The operation failed (an internal error). Try again; if it fails again, tell the administrator.</source>
        <translation>操作失败（内部错误）。请重试；仍失败请告知管理员。</translation>
    </message>
</context>
<context>
    <name>OutsideCityPrompt</name>
    <message>
        <location filename="../../seatdesk/ui/intake/outside_city.py" line="20" />
        <source>Point outside the city</source>
        <translation>位置不在本市范围内</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/outside_city.py" line="21" />
        <source>The point (%1, %2) is outside the city's extent.</source>
        <translation>该点（经度 %1，纬度 %2）不在本市范围内。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/outside_city.py" line="24" />
        <source>Check the location with the caller first: a point here is most likely misplaced. Registered anyway, the case has no grid cell and is placed by hand.</source>
        <translation>请先与来电人核对位置：此处的点多半定位有误。如仍登记，案件没有所属单元网格，需人工定位。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/outside_city.py" line="26" />
        <source>Register the report at this point?</source>
        <translation>确定按此位置登记吗？</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/outside_city.py" line="27" />
        <source>Back to the form</source>
        <translation>返回修改</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/intake/outside_city.py" line="29" />
        <source>Register anyway</source>
        <translation>仍然登记</translation>
    </message>
</context>
<context>
    <name>OverviewPanel</name>
    <message>
        <location filename="../../seatdesk/ui/session/overview_panel.py" line="47" />
        <source>Cases by state</source>
        <translation>各状态案卷数</translation>
    </message>
</context>
<context>
    <name>PendingRequest</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="29" />
        <source>Return request</source>
        <translation>回退申请</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="30" />
        <source>Extension request</source>
        <translation>延期申请</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="31" />
        <source>Suspension request</source>
        <translation>挂账申请</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="32" />
        <source>Voiding request</source>
        <translation>作废申请</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="36" />
        <source>asked at %1</source>
        <translation>申请时间 %1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="42" />
        <source>Reason given: %1</source>
        <translation>申请理由：%1</translation>
    </message>
</context>
<context>
    <name>PhrasesPage</name>
    <message>
        <location filename="../../seatdesk/ui/admin/phrases_page.py" line="18" />
        <location filename="../../seatdesk/ui/admin/phrases_page.py" line="29" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/phrases_page.py" line="19" />
        <location filename="../../seatdesk/ui/admin/phrases_page.py" line="31" />
        <source>Order</source>
        <translation>顺序</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/phrases_page.py" line="20" />
        <location filename="../../seatdesk/ui/admin/phrases_page.py" line="30" />
        <source>Phrase</source>
        <translation>常用语</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/phrases_page.py" line="32" />
        <source>New phrase</source>
        <translation>新增常用语</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/phrases_page.py" line="33" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/phrases_page.py" line="33" />
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/phrases_page.py" line="80" />
        <source>Deleted</source>
        <translation>已删除</translation>
    </message>
</context>
<context>
    <name>ReadinessPage</name>
    <message>
        <location filename="../../seatdesk/ui/admin/readiness_page.py" line="21" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/readiness_page.py" line="22" />
        <source>Check item</source>
        <translation>检查项</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/readiness_page.py" line="23" />
        <source>What is missing</source>
        <translation>缺少什么</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/readiness_page.py" line="24" />
        <source>How to fix it</source>
        <translation>如何补齐</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/readiness_page.py" line="35" />
        <source>Check again</source>
        <translation>重新检查</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/readiness_page.py" line="51" />
        <source>Ready to go live: every check passes</source>
        <translation>已就绪：全部检查通过，可以上线</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/readiness_page.py" line="52" />
        <source>Not ready: %1 of %2 checks fail</source>
        <translation>未就绪：%2项检查中有%1项未通过</translation>
    </message>
</context>
<context>
    <name>ReasonField</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/base.py" line="68" />
        <source>— common phrases —</source>
        <translation>— 常用语 —</translation>
    </message>
</context>
<context>
    <name>RecordingPlayer</name>
    <message>
        <location filename="../../seatdesk/ui/case/audio_player.py" line="91" />
        <location filename="../../seatdesk/ui/case/audio_player.py" line="157" />
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/audio_player.py" line="91" />
        <location filename="../../seatdesk/ui/case/audio_player.py" line="157" />
        <location filename="../../seatdesk/ui/case/audio_player.py" line="184" />
        <source>Play recording</source>
        <translation>播放录音</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/audio_player.py" line="185" />
        <source>“%1” cannot be played: the file is damaged or in a format the seat cannot play. Save it and open it with another player.</source>
        <translation>无法播放录音“%1”：文件已损坏或格式不受支持。请另存后用其他播放器打开。</translation>
    </message>
</context>
<context>
    <name>RedispatchDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/dispatch.py" line="126" />
        <source>The previous dispatch was an error</source>
        <translation>原派遣属于派遣差错</translation>
    </message>
</context>
<context>
    <name>RefuseFilingDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="79" />
        <source>Refuse filing when the report meets none of the filing conditions of its class. The case ends as not filed.</source>
        <translation>上报问题不符合该小类任何立案条件时不予立案，案卷结束为「不予立案」。</translation>
    </message>
</context>
<context>
    <name>ReportDialog</name>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="100" />
        <source>Reports and shift handover</source>
        <translation>报表和交接班</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="103" />
        <source>Monthly evaluation</source>
        <translation>月度综合评价</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="104" />
        <source>Shift handover</source>
        <translation>交接班</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="116" />
        <source>Export to Excel…</source>
        <translation>导出 Excel…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="117" />
        <source>Export to PDF…</source>
        <translation>导出 PDF…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="121" />
        <source>Year</source>
        <translation>年份</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="121" />
        <source>Month</source>
        <translation>月份</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="127" />
        <source>Every region, department and post, from the ledger</source>
        <translation>按电子台账计算各区域、部门和岗位的综合评价</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="133" />
        <source>Note for the handover (optional)</source>
        <translation>交接说明（选填）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="134" />
        <source>Prepare handover sheet</source>
        <translation>生成交接班单</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="135" />
        <source>Acknowledge handover</source>
        <translation>确认交接班</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="154" />
        <source>Acknowledged handovers</source>
        <translation>交接班确认记录</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="168" />
        <source>Save report</source>
        <translation>保存报表</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="174" />
        <source>Computing the evaluation…</source>
        <translation>正在计算综合评价…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="179" />
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="183" />
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="199" />
        <source>Open items by stage</source>
        <translation>各环节在办事项</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="200" />
        <source>Going red during the next shift</source>
        <translation>下一班次将亮红灯的案件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="201" />
        <source>red now</source>
        <translation>当前红灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="202" />
        <source>Pending callbacks</source>
        <translation>待回访</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="203" />
        <source>Suspended cases (days suspended)</source>
        <translation>挂账案件（已挂账天数）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/report_dialog.py" line="221" />
        <source>Handover acknowledged by %1</source>
        <translation>交接班已由 %1 确认</translation>
    </message>
</context>
<context>
    <name>RequestExtensionDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/handling.py" line="95" />
        <source>Extend by</source>
        <translation>延期时长</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/handling.py" line="99" />
        <source>An extension needs approval; on-time handling is then judged against the approved deadline. Urgent cases count natural time.</source>
        <translation>延期须经审批；批准后按新的截止时间判定是否按期。紧急案件按自然时间计算。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/handling.py" line="103" />
        <source>Enter how long the extension should be</source>
        <translation>请填写延期时长</translation>
    </message>
</context>
<context>
    <name>RequestReturnDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="95" />
        <source>A return sends the case back to the dispatcher for redispatch when it is not your department's responsibility. The dispatcher decides.</source>
        <translation>不属于本部门职责的案卷可申请回退，由派遣员审批后改派。</translation>
    </message>
</context>
<context>
    <name>RequestSuspensionDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="108" />
        <source>Suspension (挂账) is for problems that cannot be solved within any limit (engineering, season, funding). Once approved the clock stops; resuming moves the deadline by the time spent suspended.</source>
        <translation>挂账适用于无法在时限内解决的问题（工程、季节、资金等）。批准后停止计时；挂账恢复时截止时间顺延挂账时长。</translation>
    </message>
</context>
<context>
    <name>RequestVoidDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="138" />
        <source>A filed case can only be voided with the shift lead's approval.</source>
        <translation>已立案的案卷须经值班长批准才能作废。</translation>
    </message>
</context>
<context>
    <name>ResponsibilitiesPage</name>
    <message>
        <location filename="../../seatdesk/ui/admin/responsibilities_page.py" line="26" />
        <source>Class code</source>
        <translation>小类编码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/responsibilities_page.py" line="27" />
        <location filename="../../seatdesk/ui/admin/responsibilities_page.py" line="35" />
        <source>Class</source>
        <translation>小类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/responsibilities_page.py" line="28" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/responsibilities_page.py" line="29" />
        <location filename="../../seatdesk/ui/admin/responsibilities_page.py" line="36" />
        <source>Area</source>
        <translation>区域</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/responsibilities_page.py" line="30" />
        <location filename="../../seatdesk/ui/admin/responsibilities_page.py" line="37" />
        <source>Responsible department</source>
        <translation>责任部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/responsibilities_page.py" line="39" />
        <source>Set responsibility</source>
        <translation>设置责任部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/responsibilities_page.py" line="39" />
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/responsibilities_page.py" line="50" />
        <source>Whole city</source>
        <translation>全市</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/responsibilities_page.py" line="87" />
        <source>Removed</source>
        <translation>已删除</translation>
    </message>
</context>
<context>
    <name>ResumeDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="126" />
        <source>Resuming restarts the handling clock; the deadline moves by the time the case spent suspended.</source>
        <translation>挂账恢复后重新计时；截止时间顺延挂账时长。</translation>
    </message>
</context>
<context>
    <name>SearchBar</name>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="47" />
        <source>Case number</source>
        <translation>案卷编号</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="47" />
        <source>Description or address</source>
        <translation>问题描述或地址</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="48" />
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="97" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="48" />
        <source>Caller phone</source>
        <translation>来电号码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="49" />
        <source>Grid code</source>
        <translation>网格编码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="49" />
        <source>Component code</source>
        <translation>部件标识码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="50" />
        <source>Code, name or pinyin</source>
        <translation>编码、名称或拼音</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="180" />
        <source>Any source</source>
        <translation>全部来源</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="69" />
        <source>Search</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="71" />
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="96" />
        <source>Number</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="96" />
        <source>Text</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="97" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="98" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="98" />
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="99" />
        <source>Component</source>
        <translation>部件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="99" />
        <source>Class</source>
        <translation>小类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="100" />
        <source>From</source>
        <translation>起始日期</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="100" />
        <source>To</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/search_bar.py" line="107" />
        <source>More filters</source>
        <translation>更多条件</translation>
    </message>
</context>
<context>
    <name>SeatShell</name>
    <message>
        <location filename="../../seatdesk/ui/session/shell.py" line="112" />
        <source>%1 is already signed in in another seatdesk window on this computer: that window has been brought to the front. One user has one workspace per computer (drafts and the offline outbox are kept per computer, two windows would overwrite each other's).</source>
        <translation>%1 已在本机另一个 seatdesk 窗口中登录，已将该窗口切换到前台。同一用户在一台电脑上只能打开一个工作台（草稿和离线发件箱保存在本机，两个窗口会互相覆盖）。</translation>
    </message>
</context>
<context>
    <name>SendTaskDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="32" />
        <source>Any supervisor</source>
        <translation>任一监督员</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="33" />
        <source>Supervisor</source>
        <translation>监督员</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="47" />
        <source>核查: a supervisor checks on site whether the closure condition is met: %1</source>
        <translation>核查：由监督员现场核查是否达到结案条件：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="51" />
        <source>核实: a supervisor confirms on site that the reported problem exists. Reports of the sources that need it (public, hotlines, mailboxes, media) are accepted only after a confirmed 核实.</source>
        <translation>核实：由监督员现场确认上报问题是否存在。需核实的来源（公众、热线、信箱、媒体等）的上报，须经核实属实后才能受理。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="62" />
        <source>suggested: %1</source>
        <translation>建议：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="65" />
        <source>Any supervisor (%1)</source>
        <translation>任一监督员（%1）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="66" />
        <source>Sent to any supervisor, the task shows in the task box of each of %1 until one of them takes it.</source>
        <translation>派给任一监督员时，任务出现在 %1 的任务箱中，直到其中一人领取。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="74" />
        <source>supervisor of this beat, last seen nearest</source>
        <translation>本网格责任监督员，最近定位离案件最近</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="75" />
        <source>supervisor of this beat</source>
        <translation>本网格责任监督员</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="76" />
        <source>last seen nearest</source>
        <translation>最近定位离案件最近</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="54" />
        <source>This report's source (%1) needs it.</source>
        <translation>本案来源（%1）需要核实。</translation>
    </message>
</context>
<context>
    <name>SignDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="155" />
        <source>Signing for the case confirms your department has received it. The handling clock already runs from the dispatch. Handling feedback, extension and suspension requests come after signing; a case is signed for once.</source>
        <translation>签收表示本部门已接收该案卷。处置时限自派遣起已开始计时。签收后才能处置反馈、申请延期或挂账；每次派遣只需签收一次。</translation>
    </message>
</context>
<context>
    <name>SourcesPage</name>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="23" />
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="25" />
        <source>Order</source>
        <translation>顺序</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="26" />
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="45" />
        <source>Code</source>
        <translation>编码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="27" />
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="46" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="28" />
        <source>Offered</source>
        <translation>启用</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="29" />
        <source>Public</source>
        <translation>公众来源</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="30" />
        <source>Needs 核实</source>
        <translation>须核实</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="35" />
        <source>Offered at intake</source>
        <translation>受理时可选</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="36" />
        <source>A report from the public (漏报, 监督举报率)</source>
        <translation>公众来源（计入漏报、监督举报率）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="37" />
        <source>Needs 核实 before 受理</source>
        <translation>受理前须核实</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="48" />
        <source>New source</source>
        <translation>新增来源</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="49" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="49" />
        <source>Move up</source>
        <translation>上移</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/sources_page.py" line="50" />
        <source>Move down</source>
        <translation>下移</translation>
    </message>
</context>
<context>
    <name>StateCountsModel</name>
    <message>
        <location filename="../../seatdesk/ui/session/state_counts_model.py" line="52" />
        <source>State code</source>
        <translation>状态代码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/state_counts_model.py" line="52" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/state_counts_model.py" line="52" />
        <source>Cases</source>
        <translation>案卷</translation>
    </message>
</context>
<context>
    <name>SummaryBox</name>
    <message>
        <location filename="../../seatdesk/ui/session/overview_panel.py" line="79" />
        <source>Reference data</source>
        <translation>基础数据</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/overview_panel.py" line="84" />
        <source>Communities</source>
        <translation>社区</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/overview_panel.py" line="85" />
        <source>Unit grid cells</source>
        <translation>单元网格</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/overview_panel.py" line="86" />
        <source>Components</source>
        <translation>部件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/overview_panel.py" line="87" />
        <source>Component and event classes</source>
        <translation>部件和事件(事项)小类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/overview_panel.py" line="88" />
        <source>Departments</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/overview_panel.py" line="89" />
        <source>Users</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/overview_panel.py" line="90" />
        <source>Cases</source>
        <translation>案卷</translation>
    </message>
</context>
<context>
    <name>UsersPage</name>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="21" />
        <location filename="../../seatdesk/ui/admin/users_page.py" line="37" />
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="22" />
        <location filename="../../seatdesk/ui/admin/users_page.py" line="38" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="23" />
        <location filename="../../seatdesk/ui/admin/users_page.py" line="38" />
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="24" />
        <location filename="../../seatdesk/ui/admin/users_page.py" line="39" />
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="25" />
        <location filename="../../seatdesk/ui/admin/users_page.py" line="40" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="26" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="32" />
        <source>Initial or new password (at least 8 characters)</source>
        <translation>初始密码或新密码（至少8位）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="41" />
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="44" />
        <source>New user</source>
        <translation>新增用户</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="44" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="45" />
        <location filename="../../seatdesk/ui/admin/users_page.py" line="82" />
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="46" />
        <source>Reset password</source>
        <translation>重置密码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="51" />
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="53" />
        <source>Partner system (never signs in)</source>
        <translation>接口账号（不登录）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="55" />
        <source>Locked</source>
        <translation>已锁定</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="56" />
        <source>Must change password</source>
        <translation>须修改密码</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="56" />
        <source>Active</source>
        <translation>启用</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="64" />
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="82" />
        <source>Enable</source>
        <translation>启用</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="144" />
        <source>Account enabled</source>
        <translation>账号已启用</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="144" />
        <source>Account disabled</source>
        <translation>账号已停用</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/admin/users_page.py" line="151" />
        <source>Password reset; the user must change it at the next login</source>
        <translation>密码已重置，该用户下次登录时须修改密码</translation>
    </message>
</context>
<context>
    <name>VerifyDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="114" />
        <source>Confirmed: the problem exists</source>
        <translation>属实：问题存在</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="115" />
        <source>Not confirmed</source>
        <translation>不属实</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="124" />
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="126" />
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="129" />
        <source>Describe what you found on site. A report that is not confirmed needs a note.</source>
        <translation>请说明现场情况。核实不属实时必须填写说明。</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/tasks.py" line="134" />
        <source>Say what you found when the report is not confirmed</source>
        <translation>核实不属实时请说明现场情况</translation>
    </message>
</context>
<context>
    <name>VoidDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/simple.py" line="71" />
        <source>Voiding before filing ends the case (不予受理). After filing, voiding needs a request that the shift lead approves.</source>
        <translation>立案前作废即不予受理，案卷结束。立案后作废须申请并经值班长批准。</translation>
    </message>
</context>
<context>
    <name>WallLoginDialog</name>
    <message>
        <location filename="../../seatdesk/ui/wall/sign_in.py" line="46" />
        <source>seatdesk wall display — sign in</source>
        <translation>seatdesk 大屏 — 登录</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/sign_in.py" line="54" />
        <source>%1 cannot open the wall display: it is for wall display accounts, shift leads and administrators.</source>
        <translation>%1账号不能打开大屏：大屏只对大屏账号、值班长和管理员开放。</translation>
    </message>
</context>
<context>
    <name>WallWindow</name>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="242" />
        <source>seatdesk wall display</source>
        <extracomment>colours made once (no QColor/QPen objects per cell per paint): the empty cell, then eight steps of a viridis-like ramp (red stays reserved for overdue outlines)</extracomment>
        <translation>seatdesk 大屏</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="257" />
        <source>Supervision and command centre</source>
        <translation>监督指挥中心</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="282" />
        <source>Case</source>
        <translation>案卷编号</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="282" />
        <source>Class</source>
        <translation>小类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="282" />
        <source>Stage</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="283" />
        <location filename="../../seatdesk/ui/wall/display.py" line="296" />
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="283" />
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="283" />
        <source>Time</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="284" />
        <source>Holder</source>
        <translation>责任方</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="284" />
        <source>Red now</source>
        <translation>当前红灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="285" />
        <source>≤ %1 h</source>
        <translation>%1工作时内</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="289" />
        <source>Overdue and at-risk cases</source>
        <translation>超期与预警案件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="291" />
        <source>Forecast: cases going red (working hours)</source>
        <translation>即将亮红灯预测（工作时）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="319" />
        <source>Departments needing attention (on time, last 30 days, lowest first)</source>
        <translation>需关注部门（按期处置率由低到高，近30天）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="379" />
        <source>%1 departments with higher rates not shown</source>
        <translation>另有 %1 个部门按期率更高，未显示</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="382" />
        <source>%1 departments with fewer than %2 cases due are not ranked</source>
        <translation>另有 %1 个部门应处置案件少于 %2 件，不参加排名</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="397" />
        <source>Read replica unreachable — showing the primary database (%1)</source>
        <translation>只读副本无法连接 — 大屏显示主库数据（%1）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="400" />
        <source>Read replica %1 s behind the primary</source>
        <translation>只读副本落后主库 %1 秒</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="296" />
        <source>On time (%)</source>
        <translation>按期率(%)</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="297" />
        <source>Cases due</source>
        <translation>应处置数</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="297" />
        <source>Late</source>
        <translation>未按期</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="302" />
        <source>Reports today</source>
        <translation>今日上报</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="303" />
        <source>Open cases</source>
        <translation>在办案件</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="304" />
        <source>Red lights</source>
        <translation>红灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="305" />
        <source>Yellow lights</source>
        <translation>黄灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="306" />
        <source>Green lights</source>
        <translation>绿灯</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="307" />
        <source>Closed today</source>
        <translation>今日结案</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="321" />
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="326" />
        <source>Open cases by grid cell (red outline: overdue cases)</source>
        <translation>各网格在办案件（红框：有超期案件）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/wall/display.py" line="342" />
        <source>Database unavailable — retrying every %1 s (%2)</source>
        <translation>数据库连接中断 — 每 %1 秒重试（%2）</translation>
    </message>
</context>
<context>
    <name>WorkBoxPanel</name>
    <message>
        <location filename="../../seatdesk/ui/workbox/panel.py" line="249" />
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/panel.py" line="296" />
        <source>Showing %1 of %2 cases</source>
        <translation>已显示 %1 条，共 %2 条案卷</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/panel.py" line="298" />
        <source>(a case number is looked up in all cases)</source>
        <translation>（按案卷编号查找时在全部案件中查找）</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/workbox/panel.py" line="310" />
        <source>Database unavailable, retrying</source>
        <translation>数据库不可用，正在重试</translation>
    </message>
</context>
<context>
    <name>Workspace</name>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="88" />
        <location filename="../../seatdesk/ui/session/workspace.py" line="154" />
        <source>Workbench</source>
        <translation>工作台</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="94" />
        <location filename="../../seatdesk/ui/session/workspace.py" line="154" />
        <source>Hotline intake</source>
        <translation>热线受理</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="99" />
        <location filename="../../seatdesk/ui/session/workspace.py" line="155" />
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="105" />
        <location filename="../../seatdesk/ui/session/workspace.py" line="155" />
        <source>Administration</source>
        <translation>管理</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="107" />
        <location filename="../../seatdesk/ui/session/workspace.py" line="156" />
        <source>Overview</source>
        <translation>概况</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="151" />
        <source>Command palette</source>
        <translation>命令面板</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="152" />
        <source>Go to the case table</source>
        <translation>转到案卷列表</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="153" />
        <source>Search cases</source>
        <translation>查询案卷</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="158" />
        <source>Show: %1</source>
        <translation>显示：%1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="161" />
        <source>New hotline report</source>
        <translation>新建热线受理单</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="162" />
        <source>Unsaved drafts…</source>
        <translation>未保存的草稿…</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="164" />
        <source>Show the case on the map</source>
        <translation>在地图上显示案卷</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="167" />
        <source>Reports and shift handover</source>
        <translation>报表和交接班</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/workspace.py" line="170" />
        <source>Wall display</source>
        <translation>大屏</translation>
    </message>
</context>
<context>
    <name>_BusyDialog</name>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="68" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/session/login_dialog.py" line="83" />
        <source>Database unavailable: %1</source>
        <translation>数据库不可用：%1</translation>
    </message>
</context>
<context>
    <name>_ClassifyingDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="44" />
        <source>Class</source>
        <translation>小类</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/filing.py" line="45" />
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
</context>
<context>
    <name>_LengthDialog</name>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/handling.py" line="82" />
        <source>new deadline %1</source>
        <translation>新截止时间 %1</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/case/dialogs/handling.py" line="87" />
        <source>Current deadline: %1</source>
        <translation>当前截止时间：%1</translation>
    </message>
</context>
<context>
    <name>_TrendPlot</name>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="127" />
        <source>Reports</source>
        <extracomment>short bar labels of the shipped sources; others (added or renamed by an administrator) show the first four characters of their name open states grouped into the seven steps shown on the stage chart</extracomment>
        <translation>上报数</translation>
    </message>
    <message>
        <location filename="../../seatdesk/ui/kpi/panels.py" line="129" />
        <source>Closures</source>
        <translation>结案数</translation>
    </message>
</context>
</TS>