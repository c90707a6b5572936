"""A Django REST framework project in one file, served by waitress: ``python drf_app.py DB``.

``DB`` is the path of a fresh sqlite file; the tables are made and seeded at
start, and tests read that file with :mod:`sqlite3` to see what was stored.

- ``/api/things/`` and ``/api/things/{id}/``: a ModelViewSet (``Thing``: ``name``
  required and not blank, ``first_name``, ``nick_name``, ``size`` >= 0, ``status``
  one of draft and done: a field named like an error body's key), routes
  with the trailing slash; Django's ``APPEND_SLASH`` answers a missing slash
  with 301 (DEBUG off, as in production). Its list pages by page number.
- ``/api/paged/``, ``/api/offset/``, ``/api/cursor/``: the same ``ITEMS`` (250
  seeded ``Item`` rows, ids 1..250) by PageNumber (25 a page, so the last page
  is full and the next one is a 404), LimitOffset (25) and Cursor (25, by id)
  pagination.
- ``/api/schema/``: DRF's own OpenAPI 3 schema of all of it, as JSON.
"""
import sys

import django
from django.conf import settings

ITEMS = 250
PAGE = 25

settings.configure(
    DEBUG=False,
    SECRET_KEY="tests-only",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    APPEND_SLASH=True,
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sys.argv[1] if len(sys.argv) > 1 else ":memory:"}},
    REST_FRAMEWORK={"UNAUTHENTICATED_USER": None, "DEFAULT_AUTHENTICATION_CLASSES": []},
    USE_TZ=True,
    LOGGING_CONFIG=None,
)
django.setup()

from django.core.validators import MinValueValidator  # noqa: E402  (after setup)
from django.db import connection, models  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework import generics, pagination, routers, serializers, viewsets  # noqa: E402
from rest_framework.renderers import JSONOpenAPIRenderer  # noqa: E402
from rest_framework.schemas import get_schema_view  # noqa: E402
from rest_framework.schemas.openapi import AutoSchema  # noqa: E402


class Thing(models.Model):
    name = models.CharField(max_length=50)
    first_name = models.CharField(max_length=50, blank=True, default="")
    nick_name = models.CharField(max_length=50, blank=True, default="")
    size = models.IntegerField(default=0, validators=[MinValueValidator(0)])
    status = models.CharField(max_length=10, default="draft", choices=[("draft", "draft"), ("done", "done")])

    class Meta:
        app_label = "things"


class Item(models.Model):
    label = models.CharField(max_length=20)

    class Meta:
        app_label = "things"
        ordering = ["id"]


class ThingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Thing
        fields = ["id", "name", "first_name", "nick_name", "size", "status"]


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "label"]


class Pages(pagination.PageNumberPagination):
    page_size = PAGE


class Offsets(pagination.LimitOffsetPagination):
    default_limit = PAGE


class Cursors(pagination.CursorPagination):
    page_size = PAGE
    ordering = "id"


class ThingViewSet(viewsets.ModelViewSet):
    queryset = Thing.objects.order_by("id")
    serializer_class = ThingSerializer
    pagination_class = Pages


def _listing(paginator: type, base: str) -> type:
    return type(f"{base}List", (generics.ListAPIView,), {
        "queryset": Item.objects.all(), "serializer_class": ItemSerializer,
        "pagination_class": paginator, "schema": AutoSchema(operation_id_base=base)})


router = routers.DefaultRouter()
router.register("things", ThingViewSet)

urlpatterns = [
    path("api/", include(router.urls)),
    path("api/paged/", _listing(Pages, "PagedItems").as_view()),
    path("api/offset/", _listing(Offsets, "OffsetItems").as_view()),
    path("api/cursor/", _listing(Cursors, "CursorItems").as_view()),
    path("api/schema/", get_schema_view(title="Things", version="1.0.0",
                                        renderer_classes=[JSONOpenAPIRenderer])),
]


def _create_tables() -> None:
    with connection.schema_editor() as editor:
        editor.create_model(Thing)
        editor.create_model(Item)
    Item.objects.bulk_create(Item(id=n, label=f"item-{n}") for n in range(1, ITEMS + 1))


if __name__ == "__main__":
    import waitress

    from announce import announce

    from django.core.wsgi import get_wsgi_application

    _create_tables()
    server = waitress.create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=4)
    announce(server.effective_port)
    server.run()
