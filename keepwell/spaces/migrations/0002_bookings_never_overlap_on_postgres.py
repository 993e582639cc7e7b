"""On PostgreSQL, the database itself refuses two holding bookings of one space that overlap.

The constraint is kept out of the models' state on purpose: SQLite cannot hold it, and
SQLite rebuilds a table from that state whenever a later migration alters it. There the
service's check inside the IMMEDIATE transaction is the rule (see keepwell/spaces/models.py).
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()  # only compared inside the constraint


NO_OVERLAP = ExclusionConstraint(
    name="booking_never_overlaps",
    expressions=[
        ("space", RangeOperators.EQUAL),
        (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
    ],
    condition=models.Q(status__in=["requested", "approved"]),
)


class OnPostgres(migrations.operations.base.Operation):
    """Add or drop NO_OVERLAP on PostgreSQL; nothing anywhere else, and no state change."""

    reversible = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_constraint(to_state.apps.get_model(app_label, "Booking"), NO_OVERLAP)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            model = from_state.apps.get_model(app_label, "Booking")
            schema_editor.remove_constraint(model, NO_OVERLAP)

    def describe(self):
        return "Bookings of one space never overlap (PostgreSQL exclusion constraint)"


class Migration(migrations.Migration):
    dependencies = [("spaces", "0001_spaces_and_bookings")]

    operations = [BtreeGistExtension(), OnPostgres()]
