from django.core.management.base import BaseCommand

from keepwell.outcomes import services


class Command(BaseCommand):
    help = "Remind whoever follows up that wellbeing follow-ups are due (each is sent once)"

    def handle(self, *args, **options):
        sent = services.send_followup_reminders()
        self.stdout.write(f"Sent {sent} follow-up reminder(s).")
