"""The demo organisation's teams and people, with a person in every process role."""

from django.contrib.auth.hashers import make_password

from kaizen.people import services
from kaizen.people.models import Process, Role, Team, User, UserKind

TEAMS = [
    ("Service Desk", "service-desk", "First line: calls, chats, e-mail and walk-ins."),
    ("End User Computing", "end-user-computing", "Laptops, desktops, mobiles and printers."),
    ("Network Operations", "network-operations", "LAN, WAN, Wi-Fi, VPN and telephony."),
    ("Server and Storage", "server-and-storage", "Data centre hosting, backup and storage."),
    ("Database Administration", "database-administration", "Database platforms."),
    ("ERP Application Support", "erp-support", "SAP finance, payroll and HR systems."),
    ("Collaboration Support", "collaboration-support", "Mail, conferencing, intranet."),
    ("Identity and Access", "identity-and-access", "Accounts, directory and single sign-on."),
    ("Cloud Platform", "cloud-platform", "Public cloud landing zone and platform services."),
    ("Information Security", "information-security", "Security operations and risk."),
]

# username, first, last, job title, department, team slugs, [(process, role)], manager of
AGENTS = [
    (
        "grace.hopper",
        "Grace",
        "Hopper",
        "Head of IT Service Management",
        "IT",
        ["service-desk"],
        [
            ("incident", "owner"),
            ("problem", "owner"),
            ("improvement", "owner"),
            ("service_level", "owner"),
        ],
        [],
    ),
    ("kenji.sato", "Kenji", "Sato", "CSI Manager", "IT", [], [("improvement", "manager")], []),
    (
        "maria.lopez",
        "María",
        "López",
        "Service Desk Manager",
        "IT",
        ["service-desk"],
        [("incident", "manager"), ("request", "manager")],
        ["service-desk"],
    ),
    (
        "tom.baker",
        "Tom",
        "Baker",
        "Service Desk Analyst",
        "IT",
        ["service-desk"],
        [("incident", "practitioner"), ("request", "practitioner")],
        [],
    ),
    (
        "aisha.khan",
        "Aisha",
        "Khan",
        "Service Desk Analyst",
        "IT",
        ["service-desk"],
        [("incident", "practitioner"), ("request", "practitioner")],
        [],
    ),
    (
        "lars.nilsson",
        "Lars",
        "Nilsson",
        "Service Desk Analyst",
        "IT",
        ["service-desk"],
        [("incident", "practitioner")],
        [],
    ),
    (
        "priya.nair",
        "Priya",
        "Nair",
        "Problem Manager",
        "IT",
        ["server-and-storage"],
        [("problem", "manager"), ("incident", "practitioner")],
        [],
    ),
    (
        "olu.adeyemi",
        "Olu",
        "Adeyemi",
        "Change Manager",
        "IT",
        [],
        [("change", "owner"), ("change", "manager"), ("change", "cab_member")],
        [],
    ),
    (
        "eva.schmidt",
        "Eva",
        "Schmidt",
        "Service Level Manager",
        "IT",
        [],
        [("service_level", "manager"), ("catalog", "manager")],
        [],
    ),
    (
        "noah.williams",
        "Noah",
        "Williams",
        "Service Catalogue Owner",
        "IT",
        [],
        [("catalog", "owner")],
        [],
    ),
    (
        "li.wei",
        "Li",
        "Wei",
        "Network Engineer",
        "IT",
        ["network-operations"],
        [("incident", "practitioner"), ("change", "practitioner"), ("change", "cab_member")],
        ["network-operations"],
    ),
    (
        "sam.oconnor",
        "Sam",
        "O'Connor",
        "Network Engineer",
        "IT",
        ["network-operations"],
        [("incident", "practitioner"), ("change", "practitioner")],
        [],
    ),
    (
        "fatima.zahra",
        "Fatima",
        "Zahra",
        "Systems Engineer",
        "IT",
        ["server-and-storage", "cloud-platform"],
        [("incident", "practitioner"), ("change", "practitioner"), ("change", "cab_member")],
        ["server-and-storage"],
    ),
    (
        "diego.rossi",
        "Diego",
        "Rossi",
        "Database Administrator",
        "IT",
        ["database-administration"],
        [("incident", "practitioner"), ("problem", "practitioner")],
        ["database-administration"],
    ),
    (
        "hannah.muller",
        "Hannah",
        "Müller",
        "SAP Consultant",
        "IT",
        ["erp-support"],
        [("incident", "practitioner"), ("request", "practitioner")],
        ["erp-support"],
    ),
    (
        "james.okafor",
        "James",
        "Okafor",
        "Collaboration Engineer",
        "IT",
        ["collaboration-support"],
        [("incident", "practitioner")],
        ["collaboration-support"],
    ),
    (
        "sofia.costa",
        "Sofia",
        "Costa",
        "IAM Engineer",
        "IT",
        ["identity-and-access"],
        [("request", "practitioner"), ("incident", "practitioner")],
        ["identity-and-access"],
    ),
    (
        "ben.cohen",
        "Ben",
        "Cohen",
        "Cloud Engineer",
        "IT",
        ["cloud-platform"],
        [("change", "practitioner"), ("incident", "practitioner")],
        ["cloud-platform"],
    ),
    (
        "nina.petrova",
        "Nina",
        "Petrova",
        "Security Analyst",
        "IT",
        ["information-security"],
        [("incident", "practitioner"), ("change", "cab_member")],
        ["information-security"],
    ),
    (
        "raj.patel",
        "Raj",
        "Patel",
        "Desktop Engineer",
        "IT",
        ["end-user-computing"],
        [("incident", "practitioner"), ("request", "practitioner")],
        ["end-user-computing"],
    ),
]

REQUESTERS = [
    ("emma.jones", "Emma", "Jones", "Accountant", "Finance"),
    ("lucas.martin", "Lucas", "Martin", "Sales Executive", "Sales"),
    ("yuki.tanaka", "Yuki", "Tanaka", "HR Partner", "Human Resources"),
    ("omar.haddad", "Omar", "Haddad", "Warehouse Supervisor", "Logistics"),
    ("chloe.dubois", "Chloé", "Dubois", "Marketing Lead", "Marketing"),
    ("peter.novak", "Peter", "Novak", "Controller", "Finance"),
    ("amara.obi", "Amara", "Obi", "Customer Service Rep", "Customer Service"),
    ("isabel.garcia", "Isabel", "García", "Legal Counsel", "Legal"),
    ("jack.taylor", "Jack", "Taylor", "Buyer", "Procurement"),
    ("mei.chen", "Mei", "Chen", "Product Manager", "Product"),
]


def load_people(password: str) -> dict[str, int]:
    created = {"teams": 0, "people": 0, "roles": 0}
    teams: dict[str, Team] = {team.slug: team for team in Team.objects.all()}
    for name, slug, description in TEAMS:
        if slug not in teams:
            teams[slug] = services.do_create_team(
                actor=None,
                name=name,
                slug=slug,
                description=description,
                email=f"{slug}@example.com",
            )
            created["teams"] += 1

    existing = set(User.objects.values_list("username", flat=True))
    # Hashing is deliberately slow; every demo person shares one password, so hash it once.
    password_hash = make_password(password)

    def person(
        username: str, first: str, last: str, title: str, department: str, kind: str
    ) -> User:
        if username in existing:
            return User.objects.get(username=username)
        created["people"] += 1
        return services.do_create_user(
            actor=None,
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.com",
            job_title=title,
            department=department,
            kind=kind,
            time_zone="Europe/London",
            password_hash=password_hash,
        )

    for username, first, last, title, department, team_slugs, roles, manages in AGENTS:
        user = person(username, first, last, title, department, UserKind.AGENT)
        for slug in team_slugs:
            services.do_add_team_member(teams[slug], user, actor=None)
        for process, role in roles:
            if not user.process_roles.filter(process=process, role=role).exists():
                services.do_grant_process_role(user, Process(process), Role(role), actor=None)
                created["roles"] += 1
        for slug in manages:
            if teams[slug].manager_id != user.pk:
                services.do_update_team(teams[slug], actor=None, manager=user)
    for username, first, last, title, department in REQUESTERS:
        person(username, first, last, title, department, UserKind.REQUESTER)
    return created
