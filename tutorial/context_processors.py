from django.conf import settings


def site(request):
    return {"SITE_NAME": settings.SITE_NAME, "OPEN_SIGNUP": settings.OPEN_SIGNUP}
