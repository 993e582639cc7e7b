from keepwell.accounts.services import create_token
from tests.permissions import NOT_ALLOWED, OK, REDIRECT, SIGNED_IN_ONLY, Row

MATRIX = [
    Row("accounts:login", expect={}, default=OK),
    Row("accounts:logout", expect={}, default=NOT_ALLOWED),
    Row("accounts:account", expect=SIGNED_IN_ONLY, default=OK),
    Row("accounts:create_token", expect=SIGNED_IN_ONLY, default=NOT_ALLOWED),
    # Revoking someone else's token is a 404 for everyone but its owner (Sam here).
    Row(
        "accounts:revoke_token",
        expect={**SIGNED_IN_ONLY, "sam": REDIRECT},
        default=404,
        method="post",
        kwargs=lambda w: {"token_id": create_token(w.sam, "script")[0].pk},
    ),
    Row("accounts:two_factor", expect=SIGNED_IN_ONLY, default=OK),
]
