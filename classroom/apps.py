from django.apps import AppConfig


class ClassroomConfig(AppConfig):
    name = "classroom"

    def ready(self):
        from classroom import receivers
        from classroom.access import terminal_access
        from classroom.live import ClassroomListener
        from classroom.recording import recording_modes
        from recordings.policy import set_rule
        from sandbox.events import listen
        from sandbox.services import set_attach_rule

        listen(ClassroomListener)  # sandbox events -> the class's dashboards
        set_attach_rule(terminal_access)  # instructors watch the students of their classes
        set_rule(recording_modes)  # students' terminals are recorded as their classes say
        receivers.connect()  # passed steps, roster changes
