"""Settings for the test suite: the app's own, with a fast password hasher.

PBKDF2 with Django's default iterations costs ~0.3 s per login or created
user, which made the fast suite several times slower; the hasher is not what
these tests test. Servers started by browser tests use tutorial.settings.
"""

from tutorial.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
