"""/api/v1/log: the transparency log, for anyone (DESIGN section 4): checkpoint, entries, proofs."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import MediaType, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import PathParameter, QueryParameter

from registry.api.auth import actor_for
from registry.api.public import RATE_LIMITED, public_limit
from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.domain.wire import MAX_ID
from registry.errors import FieldProblem, NotFound, ValidationFailed
from registry.signing.tiles import BadTilePath, TileRef, parse_tile_path

Index = Annotated[int, QueryParameter(ge=0, le=MAX_ID)]
Size = Annotated[int, QueryParameter(ge=1, le=MAX_ID)]
TILES = "/api/v1/log/tiles"
TileLevel = Annotated[str, PathParameter(pattern=r"^(0|[1-8])$", description="tile level 0..8")]
TileIndex = Annotated[
    str,
    PathParameter(
        max_length=64,
        pattern=r"^/?(x\d{3}/)*\d{3}(\.p/\d{1,3})?$",
        description="<N>[.p/<W>]: the index in groups of three digits, all but the last after an x",
    ),
]
#: a tile of given level, index and width never changes (c2sp.org/tlog-tiles)
IMMUTABLE = "public, max-age=31536000, immutable"


def _tile_ref(path: str, entries: bool) -> TileRef:
    try:
        ref = parse_tile_path(("tile/entries/" if entries else "tile/") + path.lstrip("/"))
    except BadTilePath as exc:
        raise ValidationFailed(
            [FieldProblem("path", "tile_path", f"不是 tlog-tiles 的瓦片路径：{exc}", f"not a tlog-tiles path: {exc}")]
        ) from exc
    if (ref.level is None) != entries:
        raise ValidationFailed(
            [FieldProblem("path", "tile_path", "条目包在 tile/entries/ 之下", "entry bundles are under tile/entries/")]
        )
    return ref


def _tile(data: bytes | None, path: str, cache: str) -> Response[bytes]:
    if data is None:
        raise NotFound(f"日志尚无此瓦片 / the log has no tile {path} yet")
    return Response(data, media_type="application/octet-stream", headers={"Cache-Control": cache})


def log_handlers(services: Services) -> list[Any]:
    """Rate-limited per client address like the other public endpoints (one counter for all of
    them): proofs are computed from the database per request, a cheap way to load it otherwise."""
    log = services.log
    limited = public_limit(services)

    @get(
        "/api/v1/log/checkpoint",
        tags=["log"],
        summary="签名检查点 / signed checkpoint (tree size, root hash, time) with its C2SP signed note",
        before_request=limited,
        opt=RATE_LIMITED,
    )
    async def checkpoint() -> dict[str, Any]:
        return await log.checkpoint()

    @get(
        "/api/v1/log/checkpoint/note",
        tags=["log"],
        media_type=MediaType.TEXT,
        summary="C2SP tlog-checkpoint signed note (text/plain), for witnesses and monitors",
        before_request=limited,
        opt=RATE_LIMITED,
    )
    async def note() -> str:
        return str((await log.checkpoint())["note"])

    # The entries name subjects, removed listings included, for good: DOMAIN 7.3 shows nothing of a
    # listing after its removal to the public, so entries are for authenticated clients (partners,
    # bureaus); checkpoints and proofs carry hashes only and stay public. (DESIGN 6 says "anyone":
    # the step that signs answers decides whether leaves become commitments the public may read.)
    @get(
        "/api/v1/log/entries",
        tags=["log"],
        summary="日志条目 / entries [start, end), at most 1000 (bearer token of any client)",
        dependencies={"actor": Provide(actor_for(services.tokens, "admin", "bureau", "partner"))},
        security=[{"bearer": []}],
        before_request=limited,
        opt=RATE_LIMITED,
    )
    async def entries(actor: NamedDependency[Actor], start: Index, end: Size) -> dict[str, Any]:
        return await log.entries(start, end)

    @get(
        "/api/v1/log/proof/inclusion",
        tags=["log"],
        summary="包含证明 / inclusion proof (RFC 9162 2.1.3)",
        before_request=limited,
        opt=RATE_LIMITED,
    )
    async def inclusion(leaf_index: Index, tree_size: Size) -> dict[str, Any]:
        return await log.inclusion(leaf_index, tree_size)

    @get(
        "/api/v1/log/proof/consistency",
        tags=["log"],
        summary="一致性证明 / consistency proof (RFC 9162 2.1.4)",
        before_request=limited,
        opt=RATE_LIMITED,
    )
    async def consistency(first: Size, second: Size) -> dict[str, Any]:
        return await log.consistency(first, second)

    # C2SP tlog-tiles under one prefix, so a monitor configured with it finds <prefix>/checkpoint
    @get(
        f"{TILES}/checkpoint",
        tags=["log"],
        media_type=MediaType.TEXT,
        summary="tlog-tiles 检查点 / the checkpoint of the tiled log (C2SP signed note)",
        before_request=limited,
        opt=RATE_LIMITED,
    )
    async def tiles_checkpoint() -> Response[str]:
        note = str((await log.checkpoint())["note"])
        return Response(note, media_type=MediaType.TEXT, headers={"Cache-Control": "no-cache"})

    @get(
        f"{TILES}/tile/{{level:str}}/{{rest:path}}",
        tags=["log"],
        media_type="application/octet-stream",
        summary="tlog-tiles 哈希瓦片 / a hash tile tile/<L>/<N>[.p/<W>] (256 hashes of 32 bytes, or W)",
        before_request=limited,
        opt=RATE_LIMITED,
    )
    async def hash_tile(level: TileLevel, rest: TileIndex) -> Response[bytes]:
        ref = _tile_ref(f"{level}/{rest.lstrip('/')}", entries=False)
        return _tile(await log.tile(ref), f"tile/{level}{rest}", IMMUTABLE)

    @get(
        f"{TILES}/tile/entries/{{rest:path}}",
        tags=["log"],
        media_type="application/octet-stream",
        summary="tlog-tiles 条目包 / entry bundle tile/entries/<N>[.p/<W>] (bearer token, as /entries)",
        dependencies={"actor": Provide(actor_for(services.tokens, "admin", "bureau", "partner"))},
        security=[{"bearer": []}],
        before_request=limited,
        opt=RATE_LIMITED,
    )
    async def entry_tile(actor: NamedDependency[Actor], rest: TileIndex) -> Response[bytes]:
        ref = _tile_ref(rest, entries=True)
        # entries name subjects for good (see /entries): only for clients with a token, never shared caches
        return _tile(await log.bundle(ref), f"tile/entries{rest}", "private, max-age=31536000, immutable")

    return [checkpoint, note, entries, inclusion, consistency, tiles_checkpoint, hash_tile, entry_tile]
