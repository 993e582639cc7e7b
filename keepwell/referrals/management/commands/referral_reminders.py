from django.core.management.base import BaseCommand

from keepwell.referrals import services


class Command(BaseCommand):
    help = (
        "Remind services of referrals not accepted within the working days allowed, then "
        "escalate to the referrer (safe to run as often as you like: each is sent once)"
    )

    def handle(self, *args, **options):
        result = services.remind_and_escalate()
        self.stdout.write(f"Reminded {result.reminded}, escalated {result.escalated}.")
