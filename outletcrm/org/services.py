"""Writes for the organisation: regions keep their materialised path true."""

from django.db import transaction

from outletcrm.org.models import Region, Role, Team, User


@transaction.atomic
def region_create(*, name: str, code: str, parent: Region | None = None) -> Region:
    """Create a region under `parent` and give it its path."""
    region = Region(name=name, code=code, parent=parent)
    region.full_clean(exclude=["path"])
    region.save()
    region.path = f"{parent.path if parent else '/'}{region.pk}/"
    region.save(update_fields=["path"])
    return region


def region_subtree_ids(region: Region) -> list[int]:
    """Ids of a region and all regions below it."""
    return list(Region.objects.filter(path__startswith=region.path).values_list("pk", flat=True))


@transaction.atomic
def team_create(*, name: str, region: Region) -> Team:
    """Create a sales team in a region."""
    team = Team(name=name, region=region)
    team.full_clean()
    team.save()
    return team


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: str = Role.REP,
    display_name: str = "",
    team: Team | None = None,
    region: Region | None = None,
    mobile: str = "",
    is_demo: bool = False,
) -> User:
    """Create a user with a role and place in the organisation."""
    user = User(
        username=username, role=role, display_name=display_name, team=team,
        region=region, mobile=mobile, is_demo=is_demo,
        is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user
