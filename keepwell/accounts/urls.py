from django.urls import path

from keepwell.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("", views.account, name="account"),
    path("tokens/", views.create_token, name="create_token"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("two-factor/", views.two_factor, name="two_factor"),
]
