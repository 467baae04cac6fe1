import factory

from agencies.models import Agency, Role, Sector, User


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    short_name = factory.Sequence(lambda n: f"AG{n}")
    sector = Sector.OTHER


SURNAMES = ("O'Sullivan", "D'Souza", "O'Neill", "N'Diaye", "O'Brien", "D'Arcy", "M'Bala")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    # Every generated surname has an apostrophe, as many real ones do, so a test that looks for a name in a
    # page must look for it as the page escapes it (O&#x27;Sullivan): a random Faker surname made that a
    # test that failed once in a while instead of every time.
    last_name = factory.Sequence(lambda n: SURNAMES[n % len(SURNAMES)])
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.PRACTITIONER
    agency = factory.SubFactory(AgencyFactory)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook
        if create:
            obj.save()


class QAManagerFactory(UserFactory):
    role = Role.QA_MANAGER
    agency = None


class AdministratorFactory(UserFactory):
    role = Role.ADMINISTRATOR
    agency = None
    is_staff = True
