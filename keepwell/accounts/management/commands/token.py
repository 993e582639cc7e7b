from django.core.management.base import BaseCommand, CommandError

from keepwell.accounts import services
from keepwell.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Create, list or revoke API tokens: keepwell token create USERNAME [--name NAME]"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="print a new token for USERNAME (shown once)")
        create.add_argument("username")
        create.add_argument("--name", default="Command-line token")
        listing = sub.add_parser("list", help="list USERNAME's tokens")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke a token by the hint shown in list")
        revoke.add_argument("username")
        revoke.add_argument("hint")

    def handle(self, *args, action, username, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"There is no user called {username!r}") from None
        if action == "create":
            token, raw = services.create_token(user, options["name"])
            self.stdout.write(raw)
            self.stderr.write(f"Token {token.hint}… created for {user.username}; it acts as them.")
        elif action == "list":
            for token in user.api_tokens.all():
                state = "active" if token.is_active else f"revoked {token.revoked_at:%Y-%m-%d}"
                self.stdout.write(f"{token.hint}…  {token.name}  {state}")
        else:
            token = ApiToken.objects.active().filter(user=user, hint=options["hint"]).first()
            if token is None:
                raise CommandError(
                    f"{user.username} has no active token starting {options['hint']}"
                )
            services.revoke_token(token)
            self.stdout.write(f"Revoked {token.hint}…")
