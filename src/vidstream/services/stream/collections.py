"""Collections: making, renaming and deleting them; their videos and their order.

A collection and its videos belong to one owner: every function takes a collection
already found for the caller (:func:`owned_collection`, a 404 for anyone else's),
and only the owner's own videos can go in. Positions are rewritten 0, 1, 2... on
every change, so the order is always one dense list.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from vidstream.extensions import db
from vidstream.models import Collection, CollectionItem, Video
from vidstream.models.base import utcnow
from vidstream.web.access import current_user_id
from vidstream.web.errors import AppError
from vidstream.web.text import clean_text

NAME_LENGTH, DESCRIPTION_LENGTH = 100, 2000
MAX_COLLECTIONS = 1000  # per owner
MAX_VIDEOS = 1000  # per collection
NOT_FOUND = "There is no such collection."
NO_VIDEO = "No video with that id exists in your library."


def owned_collection(public_id: str) -> Collection:
    """The caller's collection ``public_id``; anyone else's, or none, is a 404."""
    found = db.session.scalar(
        select(Collection).where(
            Collection.public_id == public_id[:32], Collection.owner_id == current_user_id()
        )
    )
    if found is None:
        raise AppError(404, NOT_FOUND, code="not_found")
    return found


def owner_collections(owner_id: int) -> list[tuple[Collection, int]]:
    """The owner's collections by name, each with how many videos it holds (one query)."""
    query = (
        select(Collection, func.count(CollectionItem.video_id))
        .outerjoin(CollectionItem, CollectionItem.collection_id == Collection.id)
        .where(Collection.owner_id == owner_id)
        .group_by(Collection.id)
        .order_by(func.lower(Collection.name), Collection.id)
    )
    return [(row[0], row[1]) for row in db.session.execute(query)]


def collection_videos(collection: Collection) -> list[Video]:
    """The collection's videos in play order, loaded in a fixed number of queries."""
    query = (
        select(Video)
        .join(CollectionItem, CollectionItem.video_id == Video.id)
        .where(CollectionItem.collection_id == collection.id)
        .order_by(CollectionItem.position)
        .options(
            selectinload(Video.job), selectinload(Video.tag_rows), selectinload(Video.captions)
        )
    )
    return list(db.session.scalars(query))


def create_collection(owner_id: int, name: str, description: str = "") -> Collection:
    """A new, empty collection; at most :data:`MAX_COLLECTIONS` per owner."""
    count = db.session.scalar(
        select(func.count(Collection.id)).where(Collection.owner_id == owner_id)
    )
    if (count or 0) >= MAX_COLLECTIONS:
        raise AppError(409, f"You can have at most {MAX_COLLECTIONS} collections.")
    collection = Collection(
        owner_id=owner_id, name=_name(name), description=_description(description)
    )
    db.session.add(collection)
    db.session.commit()
    return collection


def edit_collection(
    collection: Collection, *, name: str | None = None, description: str | None = None
) -> Collection:
    """Rename it or change its description."""
    if name is not None:
        collection.name = _name(name)
    if description is not None:
        collection.description = _description(description)
    db.session.commit()
    return collection


def delete_collection(collection: Collection) -> None:
    """Delete the collection (its videos stay in the library)."""
    db.session.delete(collection)
    db.session.commit()


def set_videos(collection: Collection, public_ids: list[str]) -> None:
    """Make the collection exactly ``public_ids``, in that order (add, remove, reorder)."""
    if len(public_ids) > MAX_VIDEOS:
        raise AppError(400, f"A collection holds at most {MAX_VIDEOS} videos.")
    wanted = list(dict.fromkeys(public_ids))
    rows = db.session.execute(
        select(Video.public_id, Video.id).where(
            Video.public_id.in_([p[:32] for p in wanted]),
            Video.owner_id == collection.owner_id,
        )
    )
    found = {public_id: row_id for public_id, row_id in rows}
    if missing := [p for p in wanted if p not in found]:
        raise AppError(404, f"{NO_VIDEO} ({missing[0][:32]})", code="not_found")
    current_items = {item.video_id: item for item in collection.items}
    items = []
    for position, public_id in enumerate(wanted):
        item = current_items.get(found[public_id]) or CollectionItem(video_id=found[public_id])
        item.position = position
        items.append(item)
    collection.items = items
    collection.updated_at = utcnow()
    db.session.commit()


def member_ids(collection: Collection) -> list[str]:
    """The public ids of the collection's videos, in order."""
    query = (
        select(Video.public_id)
        .join(CollectionItem, CollectionItem.video_id == Video.id)
        .where(CollectionItem.collection_id == collection.id)
        .order_by(CollectionItem.position)
    )
    return list(db.session.scalars(query))


def add_video(collection: Collection, public_id: str, position: int | None = None) -> None:
    """Put a video in the collection (at the end, or at ``position``); once only."""
    ids = [p for p in member_ids(collection) if p != public_id]
    ids.insert(len(ids) if position is None else max(0, position), public_id)
    set_videos(collection, ids)


def remove_video(collection: Collection, public_id: str) -> None:
    """Take a video out of the collection; one that is not in it is a 404."""
    ids = member_ids(collection)
    if public_id not in ids:
        raise AppError(404, "That video is not in this collection.", code="not_found")
    set_videos(collection, [p for p in ids if p != public_id])


def move_video(collection: Collection, public_id: str, offset: int) -> None:
    """Move a video ``offset`` places later (negative: earlier), within the list."""
    ids = member_ids(collection)
    if public_id not in ids:
        raise AppError(404, "That video is not in this collection.", code="not_found")
    index = ids.index(public_id)
    ids.insert(max(0, min(len(ids) - 1, index + offset)), ids.pop(index))
    set_videos(collection, ids)


def neighbours(collection: Collection, public_id: str) -> tuple[str | None, str | None, int]:
    """The videos before and after ``public_id`` in the collection, and its place (1-based)."""
    ids = member_ids(collection)
    if public_id not in ids:
        return None, None, 0
    index = ids.index(public_id)
    before = ids[index - 1] if index > 0 else None
    after = ids[index + 1] if index + 1 < len(ids) else None
    return before, after, index + 1


def _name(value: str) -> str:
    if len(value) > NAME_LENGTH:
        raise AppError(400, f"A name is at most {NAME_LENGTH} characters.", code="invalid_value")
    name = clean_text(value, NAME_LENGTH, single_line=True)
    if not name:
        raise AppError(400, "A collection needs a name.", code="invalid_value")
    return name


def _description(value: str) -> str:
    if len(value) > DESCRIPTION_LENGTH:
        message = f"A description is at most {DESCRIPTION_LENGTH} characters."
        raise AppError(400, message, code="invalid_value")
    return clean_text(value, DESCRIPTION_LENGTH)
