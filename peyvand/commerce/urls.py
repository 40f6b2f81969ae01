from django.urls import path

from . import views

app_name = "commerce"
urlpatterns = [
    path("", views.order_list, name="order_list"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/line/", views.order_line_row, name="order_line_row"),
    path("orders/customers/", views.customer_lookup, name="customer_lookup"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/edit/", views.order_edit, name="order_edit"),
    path("orders/<int:pk>/status/", views.order_status, name="order_status"),
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("categories/", views.category_list, name="category_list"),
    path("price-lists/", views.price_list_list, name="price_list_list"),
    path("price-lists/new/", views.price_list_create, name="price_list_create"),
    path("price-lists/<int:pk>/", views.price_list_detail, name="price_list_detail"),
    path("price-lists/<int:pk>/edit/", views.price_list_edit, name="price_list_edit"),
    path("price-lists/<int:pk>/prices/", views.price_list_item, name="price_list_item"),
    path("settings/", views.commerce_settings, name="settings"),
]
