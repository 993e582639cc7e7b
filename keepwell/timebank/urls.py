from django.urls import path

from keepwell.timebank import views

app_name = "timebank"
urlpatterns = [
    path("", views.index, name="index"),
    path("account/<int:account_id>/", views.account_detail, name="account"),
    path("account/<int:account_id>/edit/", views.account_edit, name="account_edit"),
    path("account/<int:account_id>/decide/", views.decide, name="decide"),
    path("account/<int:account_id>/listings/new/", views.listing_add, name="listing_add"),
    path("account/<int:account_id>/exchange/new/", views.exchange_new, name="exchange_new"),
    path("account/<int:account_id>/donate/", views.donate, name="donate"),
    path("account/<int:account_id>/help-hours/", views.help_hours, name="help_hours"),
    path("account/<int:account_id>/statement/", views.statement, name="statement"),
    path("account/<int:account_id>/statement.csv", views.statement_csv, name="statement_csv"),
    path("listing/<int:listing_id>/withdraw/", views.listing_withdraw, name="listing_withdraw"),
    path("exchange/<int:exchange_id>/", views.exchange_detail, name="exchange"),
    path("exchange/<int:exchange_id>/confirm/", views.exchange_confirm, name="exchange_confirm"),
    path("exchange/<int:exchange_id>/cancel/", views.exchange_cancel, name="exchange_cancel"),
    path("exchange/<int:exchange_id>/reverse/", views.exchange_reverse, name="exchange_reverse"),
    path("invitation/<int:invitation_id>/", views.invitation, name="invitation"),
    path("<slug:slug>/", views.bank_detail, name="bank"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/members/add/", views.add_member, name="add_member"),
    path("<slug:slug>/approvals/", views.approvals, name="approvals"),
    path("<slug:slug>/find/", views.find, name="find"),
    path("<slug:slug>/group/", views.group_new, name="group_new"),
    path("<slug:slug>/chest/grant/", views.grant, name="grant"),
    path("<slug:slug>/suggestions/", views.suggestions, name="suggestions"),
    path("<slug:slug>/invite/", views.invite_list, name="invite_list"),
    path("<slug:slug>/invite/<int:person_id>/", views.invite, name="invite"),
    path("<slug:slug>/inactive/", views.inactive, name="inactive"),
    path("<slug:slug>/report/", views.report, name="report"),
    path("<slug:slug>/settings/", views.bank_settings, name="settings"),
]
