from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_candidate:
        return redirect("materials:registration")
    if request.user.is_reviewer:
        return redirect("review:queue")
    return redirect("candidates:import")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale form (a page left open overnight, a logout in another tab): say so in Chinese
    and what to do, instead of Django's technical page. Scripts get JSON."""
    from django.shortcuts import render

    if request.headers.get("X-Requested-With") == "fetch":
        return JsonResponse(
            {
                "ok": False,
                "code": "PAGE_EXPIRED",
                "message": "页面已过期，请刷新页面（必要时重新登录）后重试。已上传的图片不受影响。",
            },
            status=403,
        )
    return render(request, "403_csrf.html", status=403)
