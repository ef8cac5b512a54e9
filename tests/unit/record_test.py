"""@record behaves like @dataclass(frozen=True) where multus-gen relies on it."""

from __future__ import annotations

import dataclasses

import pytest

from multus_gen.knowledge.k3s import K3sVersion
from multus_gen.record import FrozenInstanceError, fields, record, replace


@record
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


@record
class Other:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class DataPoint:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


def test_init_like_a_dataclass() -> None:
    for args, kwargs in (((1,), {}), ((1, 2), {}), ((), {"x": 1, "tags": ("a",)}), ((1,), {"y": 5})):
        ours, theirs = Point(*args, **kwargs), DataPoint(*args, **kwargs)
        assert (ours.x, ours.y, ours.tags) == (theirs.x, theirs.y, theirs.tags)
        assert repr(ours) == repr(theirs).replace("DataPoint", "Point")
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, 2, (), 4)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, z=3)  # type: ignore[call-arg]


def test_frozen() -> None:
    p = Point(1)
    with pytest.raises(FrozenInstanceError):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del p.x
    assert isinstance(FrozenInstanceError("x"), AttributeError)


def test_equality_and_hash_by_value_and_class() -> None:
    assert Point(1, 2) == Point(1, 2) and hash(Point(1, 2)) == hash(Point(1, 2))
    assert Point(1, 2) != Point(2, 1)
    assert Point(1, 2) != Other(1, 2)  # type: ignore[comparison-overlap]  # another class with the same fields is another value
    assert Point(1, 2) != (1, 2, ())  # type: ignore[comparison-overlap]
    assert len({Point(1), Point(1), Point(2)}) == 2


def test_replace_and_fields() -> None:
    p = Point(1, 2, ("a",))
    assert replace(p, y=3) == Point(1, 3, ("a",))
    assert replace(p) == p and replace(p) is not p
    assert fields(p) == ("x", "y", "tags")
    with pytest.raises(TypeError, match="no field"):
        replace(p, z=1)


def test_a_field_without_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="without a default"):

        @record
        class Bad:
            a: int = 0
            b: int  # type: ignore[misc]


def test_records_keep_their_own_methods() -> None:
    a, b = K3sVersion.parse("v1.30.5+k3s1"), K3sVersion.parse("v1.30.6+k3s1")
    assert a < b and b >= a and not a >= b and a == K3sVersion(1, 30, 5, None, 1)
    assert str(a) == "v1.30.5+k3s1"
    assert K3sVersion.parse("v1.30.5-rc1+k3s1") < a  # a pre-release sorts before its release


def test_a_record_without_fields() -> None:
    @record
    class Empty:
        pass

    assert Empty() == Empty() and hash(Empty()) == hash(Empty())
    assert repr(Empty()).endswith("Empty()")
