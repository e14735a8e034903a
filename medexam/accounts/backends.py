from django.contrib.auth.backends import ModelBackend

from medexam.accounts.models import User
from medexam.candidates.models import normalise_id_number


class IdNumberBackend(ModelBackend):
    """Candidates log in with their ID number (证件号码) and password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        from medexam.candidates.models import Candidate

        candidate = (
            Candidate.objects.filter(id_number=normalise_id_number(username), exam__is_active=True)
            .select_related("user")
            .order_by("-exam__year")
            .first()
        )
        if candidate is None:
            # Same work as a real check, so timing does not tell which ID numbers exist.
            User().set_password(password)
            return None
        user = candidate.user
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class StaffBackend(ModelBackend):
    """Reviewers and administrators log in with a username; candidates cannot use this path."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and user.role == User.Role.CANDIDATE:
            return None
        return user
