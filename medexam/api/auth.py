"""Bearer-token authentication and the API's scope: province officials and administrators,
each limited to the exams they may manage."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from medexam.api.models import ApiToken, hash_token
from medexam.candidates.selectors import may_manage  # noqa: F401 - the API's scope


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization 头格式应为：Bearer <令牌>。")
        try:
            token = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("令牌无效，请检查令牌是否完整。") from None
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if row is None or not row.user.is_active:
            raise exceptions.AuthenticationFailed("令牌无效或已吊销，请向系统管理员申请新令牌。")
        now = timezone.now()
        # One write per minute at most: the timestamp is for "which tokens are still used".
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user, row

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "medexam.api.auth.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "由系统管理员用 `create_api_token` 命令签发的令牌。",
        }


class IsProvinceOfficial(permissions.BasePermission):
    message = "只有考区（省级）审核人员或系统管理员可以使用接口。"

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (user.is_superuser or user.role in (user.Role.ADMIN, user.Role.PROVINCE_REVIEWER))
        )
