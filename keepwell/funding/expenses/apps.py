from django.apps import AppConfig


class ExpensesConfig(AppConfig):
    """Funding's second app: volunteers' expenses and paid community roles' sessions."""

    name = "keepwell.funding.expenses"
    label = "expenses"
    verbose_name = "Expenses"
