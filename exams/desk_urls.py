from django.urls import path

from exams import desk_views, gradebook_views

app_name = "desk"

urlpatterns = [
    path("", desk_views.desk_index, name="index"),
    path("courses/<slug:slug>/", desk_views.desk_queue, name="queue"),
    path("courses/<slug:slug>/gradebook/", gradebook_views.gradebook_course, name="gradebook"),
    path("courses/<slug:slug>/gradebook.csv", gradebook_views.gradebook_export, name="gradebook-export"),
    path("items/<str:kind>/<int:item_id>/", desk_views.desk_item, name="item"),
    path("overrides/", desk_views.desk_override, name="override"),
]
