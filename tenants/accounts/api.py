"""API for the caller's identity, the team and API keys. Thin: parse, call a service, shape."""

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from tenants.accounts.models import ApiKey, Role, User
from tenants.accounts.selectors import api_keys_list, users_list
from tenants.accounts.services import (
    api_key_create,
    api_key_revoke,
    user_deactivate,
    user_invite,
    user_unlock,
)
from tenants.api.permissions import IsManager
from tenants.api.principals import ApiKeyPrincipal
from tenants.api.routers import UUID_PATTERN
from tenants.api.views import ApiGenericViewSet, ApiView
from tenants.throttling import invitation_limit_hit


class TenantSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    time_zone = serializers.CharField()


class MeSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["user", "api_key"])
    id = serializers.UUIDField()
    role = serializers.ChoiceField(choices=Role.choices)
    email = serializers.EmailField(allow_null=True)
    name = serializers.CharField()
    tenant = TenantSummarySerializer()


class MeView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer, summary="Who am I: the caller and its business")
    def get(self, request):
        tenant = connection.tenant
        caller = request.user
        if isinstance(caller, ApiKeyPrincipal):
            identity = {
                "type": "api_key",
                "id": caller.api_key.pk,
                "role": caller.role,
                "email": None,
                "name": caller.api_key.name,
            }
        else:
            identity = {
                "type": "user",
                "id": caller.pk,
                "role": caller.role,
                "email": caller.email,
                "name": caller.full_name,
            }
        data = {
            **identity,
            "tenant": {"slug": tenant.slug, "name": tenant.name, "time_zone": tenant.time_zone},
        }
        return Response(MeSerializer(data).data)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "is_active", "created_at", "deactivated_at"]
        read_only_fields = fields


class UserInviteSerializer(serializers.Serializer):
    email = serializers.EmailField()
    full_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices)


class UserViewSet(ApiGenericViewSet):
    """The team: list, invite (a set-password e-mail is sent), deactivate. Owner/admin only."""

    permission_classes = [IsManager]
    serializer_class = UserSerializer
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return users_list()

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(UserSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(UserSerializer(self.get_object()).data)

    @extend_schema(
        request=UserInviteSerializer, responses={201: UserSerializer}, summary="Invite a user"
    )
    def create(self, request):
        limited = invitation_limit_hit(request=request)
        if not limited.allowed:
            raise exceptions.Throttled(
                wait=limited.retry_after_seconds, detail="Too many invitations from your address."
            )
        serializer = UserInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_invite(actor=request.user, **serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses=UserSerializer,
        summary="Unlock a user's sign-in after too many wrong passwords",
    )
    @action(detail=True, methods=["post"])
    def unlock(self, request, pk=None):
        user = self.get_object()
        user_unlock(user=user)
        return Response(UserSerializer(user).data)

    @extend_schema(request=None, responses=UserSerializer, summary="Deactivate a user")
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        user = user_deactivate(actor=request.user, user=self.get_object())
        return Response(UserSerializer(user).data)


class ApiKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "role", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=ApiKey.KeyRole.choices, default=ApiKey.KeyRole.ADMIN)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The secret: shown only in this response.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyViewSet(ApiGenericViewSet):
    """API keys: list, create (the secret is shown once), revoke. Owner/admin only."""

    permission_classes = [IsManager]
    serializer_class = ApiKeySerializer
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):
        return api_keys_list()

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ApiKeySerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(ApiKeySerializer(self.get_object()).data)

    @extend_schema(
        request=ApiKeyCreateSerializer,
        responses={201: ApiKeyCreatedSerializer},
        summary="Create an API key",
    )
    def create(self, request):
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created_by = request.user if isinstance(request.user, User) else None
        api_key, raw_key = api_key_create(created_by=created_by, **serializer.validated_data)
        api_key.key = raw_key
        return Response(ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiKeySerializer, summary="Revoke an API key")
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        return Response(ApiKeySerializer(api_key_revoke(api_key=self.get_object())).data)
