from medexam.messaging.services import unread_count


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_candidate:
        return {}
    return {"inbox_unread": unread_count(user)}
