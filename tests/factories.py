"""factory_boy factories for the archive and the organisation."""

import factory
from factory.django import DjangoModelFactory

from outletcrm.customers.models import CompetitorEntry, Contact, Customer, CustomerClass, OutletType
from outletcrm.org.models import Region, Role, Team, User

PASSWORD = "test-pass-123"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"区域{n}")
    code = factory.Sequence(lambda n: f"region-{n}")
    parent = None

    @factory.post_generation
    def set_path(obj, create, extracted, **kwargs):
        obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.pk}/"
        obj.save(update_fields=["path"])


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"团队{n}")
    region = factory.SubFactory(RegionFactory)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"员工{n}")
    role = Role.REP
    team = factory.SubFactory(TeamFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        obj.save()


def outlet_type(code: str = "supermarket") -> OutletType:
    return OutletType.objects.get(code=code)


def customer_class(code: str) -> CustomerClass:
    return CustomerClass.objects.get(code=code)


class CustomerFactory(DjangoModelFactory):
    """A customer inserted directly (no duplicate check); team/region follow the owner."""

    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"F{n:07d}")
    name = factory.Sequence(lambda n: f"测试超市{n}号店")
    outlet_type = factory.LazyFunction(outlet_type)
    owner = factory.SubFactory(UserFactory)
    province = "浙江省"
    city = "杭州市"
    district = "西湖区"
    address = factory.Sequence(lambda n: f"文三路{n}号")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from outletcrm.customers.services import _refresh_keys, _sync_owner_scope

        tags = kwargs.pop("tags", None)
        customer = model_class(*args, **kwargs)
        _sync_owner_scope(customer)
        _refresh_keys(customer)
        customer.save()
        if tags:
            customer.tags.set(tags)
        return customer


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")


class CompetitorFactory(DjangoModelFactory):
    class Meta:
        model = CompetitorEntry

    customer = factory.SubFactory(CustomerFactory)
    brand = "竞品甲"


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = "orders.Product"

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"矿泉水{n}")
    brand = "本品"
