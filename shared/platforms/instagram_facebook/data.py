"""Instagram's data through Facebook Login: the same Graph data, on graph.facebook.com."""

from __future__ import annotations

from typing import Any

from shared.platforms.base import AccountIdentity
from shared.platforms.facebook.oauth import FacebookLogin
from shared.platforms.instagram.data import InstagramGraphData
from shared.platforms.instagram.parsing import with_expansion
from shared.platforms.instagram_facebook.oauth import linked_instagram_id
from shared.platforms.instagram_facebook.settings import PROFILE_FIELDS, Settings


class InstagramFacebookData(InstagramGraphData[Settings]):
    """Facebook Login's side of the data: the account node found through the person's Pages."""

    login: FacebookLogin

    async def _get(self, path: str, token: str, params: dict[str, Any] | None = None) -> Any:
        return await self.login.get(path, token, params)

    async def identity(self, access_token: str) -> AccountIdentity:
        node = await linked_instagram_id(self.login, access_token)
        profile = await self._get(node, access_token, {"fields": "id,username,name"})
        return AccountIdentity(
            platform_user_id=str(profile.get("id") or node),
            username=str(profile.get("username") or node),
            display_name=profile.get("name"),
        )

    async def _profile(
        self, token: str, account_id: str, expand: str = ""
    ) -> tuple[dict[str, Any], str]:
        fields = with_expansion(PROFILE_FIELDS, expand)
        return await self._get(account_id, token, {"fields": fields}), account_id

    def _media_edge(self, node: str) -> str:
        return f"{node}/media"
