"""The product's URLs, plus the benchmark's floor view."""

from django.urls import path

from reviewapp import urls as product

from . import views

urlpatterns = [path("bench/floor/", views.floor, name="bench-floor"), *product.urlpatterns]

handler403 = product.handler403
handler404 = product.handler404
handler500 = product.handler500
