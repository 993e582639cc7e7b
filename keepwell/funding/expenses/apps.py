from django.apps import AppConfig

from keepwell.core.navigation import NavItem


class ExpensesConfig(AppConfig):
    """Funding's second app: volunteers' expenses and paid community roles' sessions."""

    name = "keepwell.funding.expenses"
    label = "expenses"
    verbose_name = "Expenses"
    navigation = [NavItem("Expenses", "expenses:mine", "expenses.claim", 75)]
