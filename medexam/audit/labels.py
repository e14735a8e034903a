"""Chinese names for what the audit log stores as codes: actions, roles and targets. The
codes stay stable in the database (scripts and exports filter on them); people read these."""

from __future__ import annotations

ACTIONS: dict[str, str] = {
    "access.refused": "越权访问被拒绝",
    "account.activated": "激活账号",
    "account.code_requested": "申请短信验证码",
    "account.code_sent": "发送短信验证码",  # entries written before it was renamed
    "account.otp_enrolled": "绑定身份验证器",
    "account.otp_reset": "重置双因素认证",
    "account.password_changed": "修改密码",
    "account.password_reset": "重置密码",
    "application.transition": "状态变更",
    "audit.exported": "导出审计日志",
    "audit.purged": "清理过期审计日志",
    "audit.read": "查阅审计日志",
    "candidate.trial_segments_updated": "修改试用期",
    "candidate.id_number_revealed": "查看完整证件号码",
    "candidate.updated": "更新报名信息",
    "candidates.imported": "导入考生",
    "exam.images_purged": "删除考试图片",
    "image.replaced": "删除待更换的图片",
    "image.retired": "更换图片",
    "image.rotation_accepted": "使用审核人员转正的图片",
    "image.deleted": "删除图片",
    "image.uploaded": "上传图片",
    "image.viewed": "查看图片",
    "image.warnings_confirmed": "确认图片提示",
    "message.queued": "通知考生",
    "precheck.confirmed": "确认机器预检提示",
    "precheck.read": "机器预检",
    "queue.exported": "导出审核队列",
    "results.exported": "导出审核结果",
    "review.bulk_approved": "批量审核通过",
    "review.claimed": "开始审核",
    "review.deadline_reminder": "发送补充截止提醒",
    "review.onsite_slip_scanned": "扫描现场审核预约单",
    "review.opened_image": "审核时打开图片",
    "review.phone_call": "电话联系",
    "review.reassigned": "重新分配",
    "review.released": "放回队列",
    "review.verdicts": "逐张审核标记",
    "sms.sent": "发送短信",
    "staff.activated": "启用工作人员账号",
    "staff.created": "创建工作人员账号",
    "staff.deactivated": "停用工作人员账号",
    "staff.password_reset": "重置工作人员密码",
}

ROLES: dict[str, str] = {
    "candidate": "考生",
    "site_reviewer": "考点审核人员",
    "province_reviewer": "考区审核人员",
    "admin": "系统管理员",
    "security_admin": "安全管理员",
    "audit_admin": "审计管理员",
    "system": "系统",
}

TARGET_KINDS: dict[str, str] = {
    "application": "申请",
    "message": "站内信",
    "phone_call": "电话记录",
    "exam": "考试",
    "sms": "短信",
    "user": "账号",
    "candidate": "考生",
    "page": "页面",
}


def action_label(code: str) -> str:
    return ACTIONS.get(code, "其他操作")


def role_label(code: str) -> str:
    return ROLES.get(code, "") if code else ""


def target_label(target: str, images: dict[str, str]) -> str:
    """'image:<uuid>' → the item's name and slot ('身份证明（反面）'); other kinds by their
    Chinese name. `images`: uuid → label for the application's images."""
    kind, _, key = target.partition(":")
    if kind == "image":
        return images.get(key, "图片（已删除）")
    if kind in TARGET_KINDS:
        return TARGET_KINDS[kind]
    return ""
