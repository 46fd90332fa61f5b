from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "lessons"

    def ready(self):
        from lessons.terminal_checks import LessonCheckListener
        from sandbox.events import listen

        listen(LessonCheckListener)  # checks after each command, from the sandbox's events
