"""Labels of the codes firegrid stores and the JSON API returns: (zh-CN, en) per code, by group.

The API keeps the codes; everything a person reads shows these labels (the pages get them as JSON
from ``GET /i18n/messages.json``). ``tests/test_i18n.py`` walks every enum value of each group and fails
when one lacks a label in either language.
"""

from __future__ import annotations

Labels = dict[str, tuple[str, str]]

STATUS: Labels = {  # workflow.TaskStatus
    "new": ("新任务", "new"),
    "dispatched": ("已推送", "dispatched"),
    "acknowledged": ("已签收", "acknowledged"),
    "on_site": ("已到场", "on site"),
    "confirmed": ("查实", "confirmed"),
    "rejected": ("查否", "rejected"),
    "handled": ("已处置", "handled"),
    "closed": ("已销号", "closed"),
}

MAP_STATUS: Labels = {  # what a point on the map shows besides the task status (stats.map_status)
    "overdue": ("逾期", "overdue"),
    "no_task": ("无任务", "no task"),
    "suppressed": ("已屏蔽", "suppressed"),
}

NEXT: Labels = {  # what a task in this status needs next: the message of a refused step (409)
    "new": ("请先签收任务", "Acknowledge the task first"),
    "dispatched": ("请先签收任务", "Acknowledge the task first"),
    "acknowledged": ("请先到场并拍照取证", "Go on site and take a photo first"),
    "on_site": ("请拍照取证后提交核查结论(查实或查否)", "Take a photo, then confirm or reject"),
    "confirmed": ("请处置完毕后报告, 再由乡镇销号", "Report it handled; the township then closes it"),
    "rejected": ("已查否, 等待乡镇销号", "Rejected; waiting for the township to close it"),
    "handled": ("已处置, 等待乡镇销号", "Handled; waiting for the township to close it"),
    "closed": ("任务已销号, 无需再操作", "The task is closed; nothing more to do"),
}

NOW: Labels = {  # the state a task is in now: the message of a request that lost a race for it (409)
    "new": ("任务刚被他人处理, 现为新任务", "Changed meanwhile by someone else; the task is now new"),
    "dispatched": (
        "任务刚被他人处理, 现为已推送",
        "Changed meanwhile by someone else; the task is now dispatched",
    ),
    "acknowledged": ("任务刚被他人签收", "Changed meanwhile: someone else acknowledged the task"),
    "on_site": ("任务刚被他人处理, 现为已到场", "Changed meanwhile by someone else; the task is now on site"),
    "confirmed": (
        "任务刚被他人处理, 现为查实",
        "Changed meanwhile by someone else; the task is now confirmed",
    ),
    "rejected": ("任务刚被他人处理, 现为查否", "Changed meanwhile by someone else; the task is now rejected"),
    "handled": ("任务刚被他人处理, 现为已处置", "Changed meanwhile by someone else; the task is now handled"),
    "closed": ("任务刚被他人销号", "Changed meanwhile: someone else closed the task"),
}

ACTION: Labels = {  # workflow.TaskAction: the history of a task
    "create": ("生成任务", "task created"),
    "dispatch": ("已推送", "pushed"),
    "acknowledge": ("签收", "acknowledged"),
    "on_site": ("到场", "on site"),
    "verdict": ("核查结论", "verdict"),
    "handle": ("处置完毕", "handled"),
    "close": ("销号", "closed"),
    "reassign": ("改派", "reassigned"),
    "not_my_area": ("非本网格, 退回", "not my area, sent back"),
    "escalate": ("逾期督办", "escalated"),
    "update": ("新证据", "new evidence"),
    "merge": ("合并为重复", "merged as duplicate"),
    "merged_in": ("并入重复任务", "duplicate merged in"),
    "unmerge": ("撤销合并", "merge undone"),
    "split": ("拆分", "split"),
    "unsplit": ("撤销拆分", "split undone"),
}

REASON: Labels = {  # workflow.RejectReason
    "no_fire_found": ("未发现火点", "no fire found"),
    "industrial_heat_source": ("工业热源", "industrial heat source"),
    "already_extinguished": ("已熄灭", "already extinguished"),
    "outside_my_area": ("不在本网格", "outside my area"),
    "duplicate": ("重复任务", "duplicate"),
    "other": ("其他", "other"),
}

FLAG: Labels = {  # services.evidence.PhotoFlag
    "no_position": ("照片和手机都没有位置", "no position in the photo or from the phone"),
    "far_exif": ("照片位置离事件点过远", "photo position far from the point"),
    "far_device": ("手机位置离事件点过远", "phone position far from the point"),
    "no_exif_time": ("照片无拍摄时间", "photo has no capture time"),
    "clock_gap_exif": ("照片时间与服务器相差过大", "photo time far from the server clock"),
    "clock_gap_device": ("手机时间与服务器相差过大", "phone clock far from the server clock"),
}

HAZARD: Labels = {  # types.Hazard
    "fire": ("火点", "fire"),
    "dust": ("扬尘", "dust"),
    "site_compliance": ("工地监控", "site compliance"),
}

HAZARD_TITLE: Labels = {  # the headline of a push about a task
    "fire": ("疑似火点", "suspected fire"),
    "dust": ("疑似扬尘源(裸土/堆场/扬尘)", "suspected dust source"),
    "site_compliance": ("工地视频监控不达标", "construction site without the required video"),
}

SOURCE_KIND: Labels = {  # types.SourceKind
    "satellite_product": ("卫星火点", "satellite point"),
    "satellite_scene": ("卫星影像", "satellite scene"),
    "satellite_geo": ("静止卫星", "geostationary satellite"),
    "camera": ("摄像头", "camera"),
    "drone": ("无人机", "drone"),
    "manual": ("现场核查", "on site"),
    "registry": ("登记核查", "registry check"),
}

ROLE: Labels = {  # auth.roles.Role
    "inspector": ("网格员", "inspector"),
    "chief": ("网格长", "grid chief"),
    "township_reviewer": ("乡镇审核员", "township reviewer"),
    "county_operator": ("县级操作员", "county operator"),
    "admin": ("管理员", "administrator"),
}

STAGE: Labels = {  # services.escalation.stage(): the step a task owes
    "acknowledge": ("签收", "acknowledge"),
    "on_site": ("到场", "arrive"),
    "verify": ("核查", "verify"),
}

DEADLINE: Labels = {  # the deadline of that step, as the task list shows it
    "acknowledge": ("签收截止", "acknowledge by"),
    "on_site": ("到场截止", "on site by"),
    "verify": ("核查截止", "verify by"),
}

DETECTION_STATUS: Labels = {  # types.DetectionStatus
    "routed": ("已分派", "routed"),
    "suppressed": ("已屏蔽", "suppressed"),
    "unrouted": ("网格外", "outside the grid"),
}

LAND_USE: Labels = {  # landuse.LandUse
    "straw_burning": ("秸秆焚烧(耕地)", "straw burning (cropland)"),
    "other_vegetation": ("其他植被", "other vegetation"),
    "built_up": ("建成区", "built-up"),
}

SOURCE_STATE: Labels = {  # sources.schedule.HealthState
    "ok": ("正常", "ok"),
    "failing": ("运行失败", "failing"),
    "silent": ("长时间无新数据", "silent"),
    "unconfigured": ("缺少凭据", "unconfigured"),
    "disabled": ("已停用", "disabled"),
    "new": ("尚未运行", "new"),
}

SENSOR: Labels = {  # detections made by firegrid itself
    "inspector": ("网格员定位", "inspector's position"),
}

ERROR: Labels = {  # errors.FiregridError.code: the "message" of an API error
    "error": ("操作失败", "The request failed"),
    "invalid_input": ("输入有误, 请检查后重试", "Invalid input; check it and try again"),
    "invalid_request": ("请求参数有误", "Invalid request parameters"),
    "unsupported_format": ("无法识别的文件格式", "Unsupported file format"),
    "row_error": ("文件中有一行无法读取", "A row of the file cannot be read"),
    "grid_invalid": ("网格文件无法导入", "The grid file cannot be imported"),
    "upload_too_large": ("文件过大", "The file is too large"),
    "unsafe_file": (
        "文件或路径被拒绝 (数据目录之外, 含 VRT, 或格式不允许)",
        "File or path refused (outside the data folders, a VRT, or a format not allowed here)",
    ),
    "not_found": ("未找到, 或不在您的网格范围内", "Not found, or outside your grid area"),
    "conflict": ("当前状态下不能这样操作", "Not possible in the current state"),
    "illegal_transition": ("当前状态下不能这样操作", "Not possible in the current state"),
    "not_authenticated": ("请先登录", "Please log in"),
    "wrong_credentials": ("账号或密码错误", "Wrong user name or password"),
    "session_expired": ("登录已过期, 请重新登录", "Your session expired; log in again"),
    "permission_denied": ("您的角色无权执行此操作", "Your role may not do this"),
    "too_many_logins": ("登录失败次数过多, 请稍后再试", "Too many failed logins; try again later"),
    "config_error": ("服务器配置有误, 请联系管理员", "Server misconfigured; contact the administrator"),
    "service_unavailable": ("服务暂不可用, 请稍后再试", "Service unavailable; try again shortly"),
    "photo_required": ("请先拍照取证", "Take a photo first"),
    "reason_required": ("请选择查否原因", "Choose a reason for the rejection"),
    "reason_text_required": ("选择“其他”时请填写说明", "Describe the reason when choosing other"),
    "duplicate_needs_task": ("请填写重复的任务编号", "Give the task this one duplicates"),
    "task_closed": ("任务已销号", "The task is closed"),
    "no_grid": ("尚未导入网格", "No grid has been imported"),
    "server_error": ("服务器内部错误", "Internal server error"),
    "changed_meanwhile": ("任务刚被他人处理, 请刷新", "Changed meanwhile by someone else; reload"),
    "already_decided": ("已被他人处理过", "Already decided by someone else"),
    "created_meanwhile": (
        "刚被他人以同一编号创建, 请刷新后再试",
        "Created meanwhile by someone else; reload",
    ),
    "outside_area": ("超出您的辖区, 不能修改", "Outside your area; you may not change it"),
    "radius_too_large": ("范围过大, 超过允许的半径", "Too large: above the allowed radius"),
    "reroute_too_far": ("只能转给事件附近的网格", "Re-route only to a cell near the incident"),
}

GROUPS: dict[str, Labels] = {
    "status": STATUS,
    "map_status": MAP_STATUS,
    "next": NEXT,
    "now": NOW,
    "action": ACTION,
    "reason": REASON,
    "flag": FLAG,
    "hazard": HAZARD,
    "hazard_title": HAZARD_TITLE,
    "source_kind": SOURCE_KIND,
    "role": ROLE,
    "stage": STAGE,
    "deadline": DEADLINE,
    "detection_status": DETECTION_STATUS,
    "land_use": LAND_USE,
    "source_state": SOURCE_STATE,
    "sensor": SENSOR,
    "error": ERROR,
}
