from django.urls import path

from backoffice.exports import views

urlpatterns = [path("exports/orders/", views.export_orders_view)]
