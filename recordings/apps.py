from django.apps import AppConfig


class RecordingsConfig(AppConfig):
    name = "recordings"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete

        from recordings.keeper import RecordingKeeper
        from sandbox.recording import record_with

        record_with(RecordingKeeper)  # every runtime's shells, recorded when a student's class says so
        post_delete.connect(_delete_recordings, sender=get_user_model(), dispatch_uid="recordings-of-deleted-user")


def _delete_recordings(sender, instance, **kwargs):
    """An account's recordings go with it."""
    from recordings.store import delete_all

    delete_all(instance.pk)
