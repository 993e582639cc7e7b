from django.urls import path

from keepwell.insights.voice import views

app_name = "voice"

urlpatterns = [
    path("", views.index, name="index"),
    path("raise/", views.raise_item, name="raise"),
    path("raise/sent/", views.raised, name="raised"),
    path("<int:item_id>/", views.item, name="item"),
    path("<int:item_id>/support/", views.support, name="support"),
    path("<int:item_id>/answer/", views.answer, name="answer"),
    path("<int:item_id>/remove/", views.hide, name="hide"),
    path("reflection/", views.reflections, name="reflections"),
    path("reflection/new/", views.reflection_new, name="reflection_new"),
    path("reflection/place/", views.reflections_place, name="reflections_place"),
    path("reflection/<int:reflection_id>/", views.reflection, name="reflection"),
    path("survey/", views.surveys, name="surveys"),
    path("survey/new/", views.survey_new, name="survey_new"),
    path("survey/<int:survey_id>/", views.survey, name="survey"),
    path("survey/<int:survey_id>/send/", views.survey_send, name="survey_send"),
    path("survey/<int:survey_id>/named/", views.survey_named, name="survey_named"),
    path("survey/<int:survey_id>/results/", views.survey_results, name="survey_results"),
    path("survey/<int:survey_id>/coding/", views.survey_coding, name="survey_coding"),
    path("survey/<int:survey_id>/themes/new/", views.survey_theme_add, name="survey_theme_add"),
    path("survey/<int:survey_id>/board/", views.survey_board, name="survey_board"),
    path("priority/<int:priority_id>/", views.priority, name="priority"),
    path("priority/action/<int:action_id>/done/", views.action_done, name="action_done"),
    path("answer/", views.survey_start, name="survey_start"),
    path("answer/thank-you/", views.survey_thanks, name="survey_thanks"),
    path("answer/<str:code>/", views.survey_answer, name="survey_answer"),
]
