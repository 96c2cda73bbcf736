<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>ui</name>
    <message>
      <source>Save what you are typing, then close the program: at the next start it offers to restore the backup.</source>
      <translation>请先保存正在输入的内容，然后关闭程序：下次启动时会提示从备份恢复。</translation>
    </message>
    <message>
      <source>Database damaged</source>
      <translation>数据库已损坏</translation>
    </message>
    <message>
      <source>Case</source>
      <translation>案件</translation>
    </message>
    <message>
      <source>Details</source>
      <translation>详情</translation>
    </message>
    <message>
      <source>Timeline</source>
      <translation>办理记录</translation>
    </message>
    <message>
      <source>Attachments</source>
      <translation>附件</translation>
    </message>
    <message>
      <source>Reply</source>
      <translation>答复</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>关闭</translation>
    </message>
    <message>
      <source>Correction recorded.</source>
      <translation>更正已记录。</translation>
    </message>
    <message>
      <source>Reroute</source>
      <translation>改派</translation>
    </message>
    <message>
      <source>New lead department:</source>
      <translation>新的牵头单位：</translation>
    </message>
    <message>
      <source>Reason:</source>
      <translation>原因：</translation>
    </message>
    <message>
      <source>Rerouted.</source>
      <translation>已改派。</translation>
    </message>
    <message>
      <source>Regrade</source>
      <translation>调整等级</translation>
    </message>
    <message>
      <source>Grade:</source>
      <translation>等级：</translation>
    </message>
    <message>
      <source>Note</source>
      <translation>备注</translation>
    </message>
    <message>
      <source>Note:</source>
      <translation>备注：</translation>
    </message>
    <message>
      <source>Add attachments</source>
      <translation>添加附件</translation>
    </message>
    <message>
      <source>Rating</source>
      <translation>评价</translation>
    </message>
    <message>
      <source>The enterprise's rating:</source>
      <translation>企业评价：</translation>
    </message>
    <message>
      <source>Comment (optional):</source>
      <translation>评价意见（可选）：</translation>
    </message>
    <message>
      <source>Rating recorded.</source>
      <translation>评价已记录。</translation>
    </message>
    <message>
      <source>Withdraw</source>
      <translation>撤回</translation>
    </message>
    <message>
      <source>Why does the enterprise withdraw it?</source>
      <translation>企业撤回的原因：</translation>
    </message>
    <message>
      <source>Reject</source>
      <translation>不予受理</translation>
    </message>
    <message>
      <source>Reason for not accepting (required):</source>
      <translation>不予受理的理由（必填）：</translation>
    </message>
    <message>
      <source>Correct a field</source>
      <translation>更正字段</translation>
    </message>
    <message>
      <source>Field</source>
      <translation>字段</translation>
    </message>
    <message>
      <source>New value</source>
      <translation>新内容</translation>
    </message>
    <message>
      <source>Reason</source>
      <translation>原因</translation>
    </message>
    <message>
      <source>When</source>
      <translation>时间</translation>
    </message>
    <message>
      <source>Who</source>
      <translation>经办人</translation>
    </message>
    <message>
      <source>What</source>
      <translation>事项</translation>
    </message>
    <message>
      <source>Reprint receipt (Ctrl+P)</source>
      <translation>补打回执 (Ctrl+P)</translation>
    </message>
    <message>
      <source>Correct…</source>
      <translation>更正…</translation>
    </message>
    <message>
      <source>Reroute…</source>
      <translation>改派…</translation>
    </message>
    <message>
      <source>Regrade…</source>
      <translation>调整等级…</translation>
    </message>
    <message>
      <source>Note…</source>
      <translation>备注…</translation>
    </message>
    <message>
      <source>Attach…</source>
      <translation>添加附件…</translation>
    </message>
    <message>
      <source>Rating…</source>
      <translation>评价…</translation>
    </message>
    <message>
      <source>Withdraw…</source>
      <translation>撤回…</translation>
    </message>
    <message>
      <source>Reject…</source>
      <translation>不予受理…</translation>
    </message>
    <message>
      <source>This case does not exist.</source>
      <translation>该案件不存在。</translation>
    </message>
    <message>
      <source>Enterprise</source>
      <translation>企业名称</translation>
    </message>
    <message>
      <source>Credit code</source>
      <translation>统一社会信用代码</translation>
    </message>
    <message>
      <source>Contact</source>
      <translation>联系人</translation>
    </message>
    <message>
      <source>Phone</source>
      <translation>联系电话</translation>
    </message>
    <message>
      <source>Channel</source>
      <translation>渠道</translation>
    </message>
    <message>
      <source>Title</source>
      <translation>诉求标题</translation>
    </message>
    <message>
      <source>Content</source>
      <translation>诉求内容</translation>
    </message>
    <message>
      <source>Category</source>
      <translation>诉求类别</translation>
    </message>
    <message>
      <source>Lead department</source>
      <translation>牵头单位</translation>
    </message>
    <message>
      <source>Co-departments</source>
      <translation>协办单位</translation>
    </message>
    <message>
      <source>Grade</source>
      <translation>办理等级</translation>
    </message>
    <message>
      <source>Received</source>
      <translation>受理时间</translation>
    </message>
    <message>
      <source>Deadline</source>
      <translation>办理期限</translation>
    </message>
    <message>
      <source>First contact</source>
      <translation>首接负责人</translation>
    </message>
    <message>
      <source>Window</source>
      <translation>窗口</translation>
    </message>
    <message>
      <source>Rework count</source>
      <translation>重办次数</translation>
    </message>
    <message>
      <source>No reply from the department yet.</source>
      <translation>部门尚未答复。</translation>
    </message>
    <message>
      <source>Grade changed.</source>
      <translation>等级已调整。</translation>
    </message>
    <message>
      <source>Note added.</source>
      <translation>备注已添加。</translation>
    </message>
    <message>
      <source>Attachments added.</source>
      <translation>附件已添加。</translation>
    </message>
    <message>
      <source>Withdrawn.</source>
      <translation>已撤回。</translation>
    </message>
    <message>
      <source>Rejected.</source>
      <translation>已不予受理。</translation>
    </message>
    <message>
      <source>Case {no}</source>
      <translation>案件 {no}</translation>
    </message>
    <message>
      <source>not yet sent</source>
      <translation>尚未上传</translation>
    </message>
    <message>
      <source>Reprinted: {path}</source>
      <translation>已补打：{path}</translation>
    </message>
    <message>
      <source>Flagged: the server kept two versions of a field</source>
      <translation>待核对：服务器保留了同一字段的两个版本</translation>
    </message>
    <message>
      <source>Analysis</source>
      <translation>原因分析</translation>
    </message>
    <message>
      <source>Measures</source>
      <translation>办理措施</translation>
    </message>
    <message>
      <source>Policy basis</source>
      <translation>政策依据</translation>
    </message>
    <message>
      <source>Receipt no.</source>
      <translation>回执编号</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>Click to sort</source>
      <translation>点击排序</translation>
    </message>
    <message>
      <source>Open</source>
      <translation>在办</translation>
    </message>
    <message>
      <source>Search title, content, enterprise, contact; credit code or receipt no. (Ctrl+F)</source>
      <translation>搜索标题、内容、企业、联系人；或输入信用代码、回执编号 (Ctrl+F)</translation>
    </message>
    <message>
      <source>All statuses</source>
      <translation>全部状态</translation>
    </message>
    <message>
      <source>All departments</source>
      <translation>全部单位</translation>
    </message>
    <message>
      <source>All colours</source>
      <translation>全部预警</translation>
    </message>
    <message>
      <source>All channels</source>
      <translation>全部渠道</translation>
    </message>
    <message>
      <source>Received between</source>
      <translation>受理日期</translation>
    </message>
    <message>
      <source>Clear filters</source>
      <translation>清除筛选</translation>
    </message>
    <message>
      <source>Searching…</source>
      <translation>查询中…</translation>
    </message>
    <message>
      <source>{loaded} shown, counting…</source>
      <translation>已显示 {loaded} 件，正在统计…</translation>
    </message>
    <message>
      <source>{total} cases</source>
      <translation>共 {total} 件</translation>
    </message>
    <message>
      <source>(provisional)</source>
      <translation>（暂定）</translation>
    </message>
    <message>
      <source>Assigned</source>
      <translation>已分办</translation>
    </message>
    <message>
      <source>In progress</source>
      <translation>办理中</translation>
    </message>
    <message>
      <source>Replied</source>
      <translation>已答复</translation>
    </message>
    <message>
      <source>Closed</source>
      <translation>已办结</translation>
    </message>
    <message>
      <source>Rejected</source>
      <translation>不予受理</translation>
    </message>
    <message>
      <source>Withdrawn</source>
      <translation>已撤回</translation>
    </message>
    <message>
      <source>Rework</source>
      <translation>重办</translation>
    </message>
    <message>
      <source>Simple</source>
      <translation>简单</translation>
    </message>
    <message>
      <source>General</source>
      <translation>一般</translation>
    </message>
    <message>
      <source>Complex</source>
      <translation>复杂</translation>
    </message>
    <message>
      <source>Green</source>
      <translation>绿</translation>
    </message>
    <message>
      <source>Yellow</source>
      <translation>黄</translation>
    </message>
    <message>
      <source>Red</source>
      <translation>红</translation>
    </message>
    <message>
      <source>12345 hotline</source>
      <translation>12345热线</translation>
    </message>
    <message>
      <source>Online</source>
      <translation>网上</translation>
    </message>
    <message>
      <source>Letter</source>
      <translation>信函</translation>
    </message>
    <message>
      <source>Other</source>
      <translation>其他</translation>
    </message>
    <message>
      <source>Registered</source>
      <translation>登记受理</translation>
    </message>
    <message>
      <source>Routed</source>
      <translation>改派</translation>
    </message>
    <message>
      <source>Graded</source>
      <translation>定级</translation>
    </message>
    <message>
      <source>Assigned to department</source>
      <translation>分办</translation>
    </message>
    <message>
      <source>Status changed</source>
      <translation>状态变更</translation>
    </message>
    <message>
      <source>Department replied</source>
      <translation>部门答复</translation>
    </message>
    <message>
      <source>Enterprise notified</source>
      <translation>告知企业</translation>
    </message>
    <message>
      <source>Evaluated</source>
      <translation>评价</translation>
    </message>
    <message>
      <source>Reopened for rework</source>
      <translation>重办</translation>
    </message>
    <message>
      <source>Attachment added</source>
      <translation>添加附件</translation>
    </message>
    <message>
      <source>Field corrected</source>
      <translation>更正</translation>
    </message>
    <message>
      <source>Escalated</source>
      <translation>督办</translation>
    </message>
    <message>
      <source>Extension requested</source>
      <translation>申请延期</translation>
    </message>
    <message>
      <source>Extension decided</source>
      <translation>延期审批</translation>
    </message>
    <message>
      <source>Please send this file to technical support. You can go on working.</source>
      <translation>请将此文件发送给技术支持人员。您可以继续工作。</translation>
    </message>
    <message>
      <source>Restore this backup now? The damaged file is kept beside it (intake.sqlite3.before-restore).</source>
      <translation>现在恢复此备份吗？损坏的文件会保留在旁边（intake.sqlite3.before-restore）。</translation>
    </message>
    <message>
      <source>Restore</source>
      <translation>恢复</translation>
    </message>
    <message>
      <source>Backup to restore:</source>
      <translation>要恢复的备份：</translation>
    </message>
    <message>
      <source>Internal error</source>
      <translation>程序内部错误</translation>
    </message>
    <message>
      <source>Open report folder</source>
      <translation>打开报告文件夹</translation>
    </message>
    <message>
      <source>Go on working</source>
      <translation>继续工作</translation>
    </message>
    <message>
      <source>There are no backups yet.</source>
      <translation>尚无备份。</translation>
    </message>
    <message>
      <source>An error report was saved to:</source>
      <translation>错误报告已保存到：</translation>
    </message>
    <message>
      <source>Your work is kept: the petition being entered is saved as a draft and comes back when the intake page opens again.</source>
      <translation>您的工作已保留：正在录入的诉求已存为草稿，再次打开受理页面时会恢复。</translation>
    </message>
    <message>
      <source>An unexpected error occurred ({name}).</source>
      <translation>发生了意外错误（{name}）。</translation>
    </message>
    <message>
      <source>Enterprise name or credit code</source>
      <translation>企业名称或统一社会信用代码</translation>
    </message>
    <message>
      <source>Search for an enterprise.</source>
      <translation>请查找企业。</translation>
    </message>
    <message>
      <source>No enterprise found.</source>
      <translation>未找到企业。</translation>
    </message>
    <message>
      <source>Type</source>
      <translation>类型</translation>
    </message>
    <message>
      <source>Industry</source>
      <translation>行业</translation>
    </message>
    <message>
      <source>Scale</source>
      <translation>规模</translation>
    </message>
    <message>
      <source>Legal representative</source>
      <translation>法定代表人</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>地址</translation>
    </message>
    <message>
      <source>{n} petitions, {closed} closed, {rated} rated, {rework} reworked</source>
      <translation>共 {n} 件诉求，已办结 {closed} 件，已评价 {rated} 件，重办 {rework} 次</translation>
    </message>
    <message>
      <source>Cannot continue</source>
      <translation>无法继续</translation>
    </message>
    <message>
      <source>An internal error occurred ({name}). It has been written to the log; what you typed is kept.</source>
      <translation>程序内部错误（{name}），已记录到日志；已输入的内容均已保留。</translation>
    </message>
    <message>
      <source>How will this window work?</source>
      <translation>本窗口如何工作？</translation>
    </message>
    <message>
      <source>Standalone, on the built-in demo county (works offline; can enrol with the county server later, keeping every case)</source>
      <translation>单机使用内置示范县配置（可离线工作；以后可接入县级服务器，已登记案件全部保留）</translation>
    </message>
    <message>
      <source>Enrol with the county server now</source>
      <translation>现在接入县级服务器</translation>
    </message>
    <message>
      <source>optional: county CA certificate file</source>
      <translation>可选：县级CA证书文件</translation>
    </message>
    <message>
      <source>Enrolling…</source>
      <translation>正在接入…</translation>
    </message>
    <message>
      <source>Window and printer</source>
      <translation>窗口与打印机</translation>
    </message>
    <message>
      <source>System default printer</source>
      <translation>系统默认打印机</translation>
    </message>
    <message>
      <source>First administrator</source>
      <translation>首位管理员</translation>
    </message>
    <message>
      <source>Set up this window</source>
      <translation>设置本窗口</translation>
    </message>
    <message>
      <source>Server address</source>
      <translation>服务器地址</translation>
    </message>
    <message>
      <source>Enrolment code</source>
      <translation>登记码</translation>
    </message>
    <message>
      <source>CA certificate</source>
      <translation>CA证书</translation>
    </message>
    <message>
      <source>Enter the server address and the enrolment code.</source>
      <translation>请填写服务器地址和登记码。</translation>
    </message>
    <message>
      <source>Window code</source>
      <translation>窗口编号</translation>
    </message>
    <message>
      <source>Receipt printer</source>
      <translation>回执打印机</translation>
    </message>
    <message>
      <source>Receipt paper</source>
      <translation>回执纸张</translation>
    </message>
    <message>
      <source>Window code: 2 to 8 capital letters or digits, e.g. SA01.</source>
      <translation>窗口编号：2–8位大写字母或数字，如 SA01。</translation>
    </message>
    <message>
      <source>User name</source>
      <translation>用户名</translation>
    </message>
    <message>
      <source>Full name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>密码</translation>
    </message>
    <message>
      <source>Password again</source>
      <translation>再次输入密码</translation>
    </message>
    <message>
      <source>The two passwords differ.</source>
      <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
      <source>Enrolled as window {code}.</source>
      <translation>已接入，窗口编号 {code}。</translation>
    </message>
    <message>
      <source>Restore draft (Ctrl+R)</source>
      <translation>恢复草稿 (Ctrl+R)</translation>
    </message>
    <message>
      <source>Discard</source>
      <translation>丢弃</translation>
    </message>
    <message>
      <source>Petition</source>
      <translation>诉求登记</translation>
    </message>
    <message>
      <source>Type or scan the licence QR code</source>
      <translation>输入或扫描营业执照二维码</translation>
    </message>
    <message>
      <source>The person at the window</source>
      <translation>来办人员</translation>
    </message>
    <message>
      <source>Optional: the first sentence is used when empty</source>
      <translation>可不填：默认取内容第一句</translation>
    </message>
    <message>
      <source>What the enterprise asks for (Shift+Enter: new line)</source>
      <translation>企业反映的问题和诉求（Shift+Enter 换行）</translation>
    </message>
    <message>
      <source>Automatic (top suggestion)</source>
      <translation>自动（采用首个建议）</translation>
    </message>
    <message>
      <source>Back-entry of a paper receipt, received at</source>
      <translation>补录纸质回执，原受理时间</translation>
    </message>
    <message>
      <source>Add… (Ctrl+O)</source>
      <translation>添加… (Ctrl+O)</translation>
    </message>
    <message>
      <source>Remove</source>
      <translation>移除</translation>
    </message>
    <message>
      <source>Drop photos, scans or recordings here</source>
      <translation>可将照片、扫描件、录音拖到此处</translation>
    </message>
    <message>
      <source>New (Ctrl+N)</source>
      <translation>新建 (Ctrl+N)</translation>
    </message>
    <message>
      <source>Save</source>
      <translation>保存</translation>
    </message>
    <message>
      <source>Save and print (Ctrl+Enter)</source>
      <translation>保存并打印 (Ctrl+Enter)</translation>
    </message>
    <message>
      <source>Enterprise profile</source>
      <translation>企业画像</translation>
    </message>
    <message>
      <source>Enter a credit code to see the enterprise.</source>
      <translation>输入统一社会信用代码后显示企业信息。</translation>
    </message>
    <message>
      <source>Suggested departments (F2 accepts the first)</source>
      <translation>建议牵头单位（F2 采用第一个）</translation>
    </message>
    <message>
      <source>Preview</source>
      <translation>预览</translation>
    </message>
    <message>
      <source>Photos, scans and recordings (*.jpg *.jpeg *.png *.pdf *.tif *.tiff *.mp3 *.m4a *.amr *.wav);;All files (*)</source>
      <translation>照片、扫描件和录音 (*.jpg *.jpeg *.png *.pdf *.tif *.tiff *.mp3 *.m4a *.amr *.wav);;所有文件 (*)</translation>
    </message>
    <message>
      <source>Not saved — see the message; nothing typed is lost.</source>
      <translation>未保存——请查看提示；已输入的内容没有丢失。</translation>
    </message>
    <message>
      <source>Earlier petitions</source>
      <translation>历史诉求</translation>
    </message>
    <message>
      <source>New enterprise: not registered here before.</source>
      <translation>新企业：此前未在本系统登记。</translation>
    </message>
    <message>
      <source>Due {when}</source>
      <translation>{when} 前办结</translation>
    </message>
    <message>
      <source>Saving…</source>
      <translation>正在保存…</translation>
    </message>
    <message>
      <source>Registered {no} — {dept}, due {due}</source>
      <translation>已受理 {no} — {dept}，期限 {due}</translation>
    </message>
    <message>
      <source>Receipt not made — reprint it from the case.</source>
      <translation>回执未生成——请在案件中补打。</translation>
    </message>
    <message>
      <source>{n} earlier petitions</source>
      <translation>历史诉求 {n} 件</translation>
    </message>
    <message>
      <source>provisional</source>
      <translation>暂定</translation>
    </message>
    <message>
      <source>An unsaved form from {when} was kept: {summary}</source>
      <translation>保留了 {when} 未保存的表单：{summary}</translation>
    </message>
    <message>
      <source>{grade} ({days} working days)</source>
      <translation>{grade}（{days}个工作日）</translation>
    </message>
    <message>
      <source>{n}/18</source>
      <translation>{n}/18 位</translation>
    </message>
    <message>
      <source>Receipt: {path}</source>
      <translation>回执：{path}</translation>
    </message>
    <message>
      <source>Intake</source>
      <translation>受理</translation>
    </message>
    <message>
      <source>Cases</source>
      <translation>案件</translation>
    </message>
    <message>
      <source>Enterprises</source>
      <translation>企业</translation>
    </message>
    <message>
      <source>Replies</source>
      <translation>答复告知</translation>
    </message>
    <message>
      <source>Supervision</source>
      <translation>督办</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>设置</translation>
    </message>
    <message>
      <source>Standalone</source>
      <translation>单机</translation>
    </message>
    <message>
      <source>Enterprise petition intake</source>
      <translation>企业诉求受理</translation>
    </message>
    <message>
      <source>Clerk: {name} · Window {code}</source>
      <translation>受理人：{name} · 窗口 {code}</translation>
    </message>
    <message>
      <source>Holiday schedule missing for {years}: deadlines are provisional</source>
      <translation>{years}年节假日安排未载入：相关期限为暂定</translation>
    </message>
    <message>
      <source>A4 (two copies, cut line)</source>
      <translation>A4（两联，裁切线）</translation>
    </message>
    <message>
      <source>A5 (one copy per page)</source>
      <translation>A5（每页一联）</translation>
    </message>
    <message>
      <source>80 mm roll</source>
      <translation>80毫米热敏卷纸</translation>
    </message>
    <message>
      <source>County configuration</source>
      <translation>县级配置</translation>
    </message>
    <message>
      <source>Edit…</source>
      <translation>编辑…</translation>
    </message>
    <message>
      <source>Load configuration file…</source>
      <translation>载入配置文件…</translation>
    </message>
    <message>
      <source>Load holiday schedule…</source>
      <translation>载入节假日安排…</translation>
    </message>
    <message>
      <source>Routing keywords</source>
      <translation>分派关键词</translation>
    </message>
    <message>
      <source>Holiday schedule</source>
      <translation>节假日安排</translation>
    </message>
    <message>
      <source>This window</source>
      <translation>本窗口</translation>
    </message>
    <message>
      <source>Enrol with the county server…</source>
      <translation>登记到县级服务器…</translation>
    </message>
    <message>
      <source>Sync now</source>
      <translation>立即同步</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>界面语言</translation>
    </message>
    <message>
      <source>The new language is used from the next start.</source>
      <translation>新的界面语言将在下次启动时生效。</translation>
    </message>
    <message>
      <source>Receipt printing</source>
      <translation>回执打印</translation>
    </message>
    <message>
      <source>Data</source>
      <translation>数据</translation>
    </message>
    <message>
      <source>Open folder</source>
      <translation>打开文件夹</translation>
    </message>
    <message>
      <source>Back up now</source>
      <translation>立即备份</translation>
    </message>
    <message>
      <source>Restore a backup…</source>
      <translation>从备份恢复…</translation>
    </message>
    <message>
      <source>Restoring replaces the database with the backup you choose (the present file is backed up first) and closes the program. Continue?</source>
      <translation>恢复会用所选备份替换当前数据库（当前文件会先备份），随后程序关闭。是否继续？</translation>
    </message>
    <message>
      <source>Backing up…</source>
      <translation>正在备份…</translation>
    </message>
    <message>
      <source>Users</source>
      <translation>用户</translation>
    </message>
    <message>
      <source>Add clerk…</source>
      <translation>添加窗口人员…</translation>
    </message>
    <message>
      <source>Change my password…</source>
      <translation>修改我的密码…</translation>
    </message>
    <message>
      <source>Add clerk</source>
      <translation>添加窗口人员</translation>
    </message>
    <message>
      <source>User name:</source>
      <translation>用户名：</translation>
    </message>
    <message>
      <source>Full name:</source>
      <translation>姓名：</translation>
    </message>
    <message>
      <source>Initial password:</source>
      <translation>初始密码：</translation>
    </message>
    <message>
      <source>Role:</source>
      <translation>角色：</translation>
    </message>
    <message>
      <source>Change my password</source>
      <translation>修改我的密码</translation>
    </message>
    <message>
      <source>New password:</source>
      <translation>新密码：</translation>
    </message>
    <message>
      <source>Password changed.</source>
      <translation>密码已修改。</translation>
    </message>
    <message>
      <source>Supervision phone</source>
      <translation>监督电话</translation>
    </message>
    <message>
      <source>Office opens</source>
      <translation>上班时间</translation>
    </message>
    <message>
      <source>Office closes (deadlines fall due then)</source>
      <translation>下班时间（期限截止于此）</translation>
    </message>
    <message>
      <source>Yellow warning (working days before)</source>
      <translation>黄色预警（期限前工作日数）</translation>
    </message>
    <message>
      <source>Enrol with the county server</source>
      <translation>登记到县级服务器</translation>
    </message>
    <message>
      <source>Choose…</source>
      <translation>选择…</translation>
    </message>
    <message>
      <source>County CA file (optional)</source>
      <translation>县级 CA 证书文件（可选）</translation>
    </message>
    <message>
      <source>Code</source>
      <translation>代码</translation>
    </message>
    <message>
      <source>Department</source>
      <translation>单位</translation>
    </message>
    <message>
      <source>Keywords</source>
      <translation>关键词</translation>
    </message>
    <message>
      <source>Read only: only an administrator may change the county configuration.</source>
      <translation>只读：只有管理员可以修改县级配置。</translation>
    </message>
    <message>
      <source>Double-click a department to edit its routing keywords.</source>
      <translation>双击某一单位可编辑其分派关键词。</translation>
    </message>
    <message>
      <source>County</source>
      <translation>县（区）</translation>
    </message>
    <message>
      <source>Service centre</source>
      <translation>服务中心</translation>
    </message>
    <message>
      <source>Working days per grade</source>
      <translation>各等级办理时限（工作日）</translation>
    </message>
    <message>
      <source>Office hours</source>
      <translation>办公时间</translation>
    </message>
    <message>
      <source>Yellow warning</source>
      <translation>黄色预警</translation>
    </message>
    <message>
      <source>Holiday schedules</source>
      <translation>节假日安排</translation>
    </message>
    <message>
      <source>Mode</source>
      <translation>运行方式</translation>
    </message>
    <message>
      <source>Signed in</source>
      <translation>当前用户</translation>
    </message>
    <message>
      <source>County server</source>
      <translation>县级服务器</translation>
    </message>
    <message>
      <source>Printer</source>
      <translation>打印机</translation>
    </message>
    <message>
      <source>Paper</source>
      <translation>纸张</translation>
    </message>
    <message>
      <source>Copies</source>
      <translation>份数</translation>
    </message>
    <message>
      <source>Receipt font</source>
      <translation>回执字体</translation>
    </message>
    <message>
      <source>Data directory</source>
      <translation>数据目录</translation>
    </message>
    <message>
      <source>Backups</source>
      <translation>备份</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Role</source>
      <translation>角色</translation>
    </message>
    <message>
      <source>Keywords of {name}, one per line:</source>
      <translation>{name}的关键词（每行一个）：</translation>
    </message>
    <message>
      <source>Standalone (not enrolled)</source>
      <translation>单机（未接入县级服务器）</translation>
    </message>
    <message>
      <source>Restored from {name}. The program closes now; start it again.</source>
      <translation>已从 {name} 恢复。程序现在关闭，请重新启动。</translation>
    </message>
    <message>
      <source>No backups yet.</source>
      <translation>尚无备份。</translation>
    </message>
    <message>
      <source>{n} working day(s) before the deadline</source>
      <translation>期限前 {n} 个工作日</translation>
    </message>
    <message>
      <source>Enrolled as window {code}. Cases registered before are kept and sent with the next sync.</source>
      <translation>已登记为窗口 {code}。此前登记的诉求均已保留，将在下次同步时上传。</translation>
    </message>
    <message>
      <source>{grade}: working days</source>
      <translation>{grade}：工作日数</translation>
    </message>
    <message>
      <source>Saved; new petitions are routed with them.</source>
      <translation>已保存，新的诉求将按新关键词分派。</translation>
    </message>
    <message>
      <source>disabled</source>
      <translation>已停用</translation>
    </message>
    <message>
      <source>missing: {years}</source>
      <translation>缺少：{years}</translation>
    </message>
    <message>
      <source>Saved; {n} deadlines recomputed.</source>
      <translation>已保存；重新计算了 {n} 个期限。</translation>
    </message>
    <message>
      <source>Loaded; {n} deadlines recomputed.</source>
      <translation>已载入；重新计算了 {n} 个期限。</translation>
    </message>
    <message>
      <source>Sign in</source>
      <translation>登录</translation>
    </message>
    <message>
      <source>First start: create the administrator</source>
      <translation>首次启动：创建管理员</translation>
    </message>
    <message>
      <source>Repeat password</source>
      <translation>确认密码</translation>
    </message>
    <message>
      <source>No users exist yet. Create the administrator of this window; clerks can be added later in Settings.</source>
      <translation>尚无用户。请创建本窗口的管理员；窗口人员可稍后在“设置”中添加。</translation>
    </message>
    <message>
      <source>The passwords differ.</source>
      <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
      <source>Window {code}</source>
      <translation>窗口 {code}</translation>
    </message>
  </context>
</TS>
