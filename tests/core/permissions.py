from tests.permissions import OK, Row

MATRIX = [
    Row("core:home", expect={}, default=OK),
    Row("core:health", expect={}, default=OK),
    Row("core:accessibility", expect={}, default=OK),
    Row("core:privacy", expect={}, default=OK),
]
