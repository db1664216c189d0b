"""The demo organisation's service catalogue: ~25 services with offerings, dependencies, CIs."""

from dataclasses import dataclass, field

from kaizen.catalog import services
from kaizen.catalog.models import ConfigurationItem, Service, ServiceDependency
from kaizen.people.models import Team, User


@dataclass
class DemoService:
    name: str
    slug: str
    service_type: str
    category: str
    summary: str
    owner: str
    team: str
    criticality: str = "medium"
    lifecycle: str = "live"
    is_public: bool = True
    support_hours: str = "Mon-Fri 08:00-18:00"
    features: list[str] = field(default_factory=list)
    offerings: list[tuple[str, str, str]] = field(default_factory=list)  # name, type, hours
    depends_on: list[str] = field(default_factory=list)


def _b(name, slug, category, summary, owner, team, **kw) -> DemoService:
    return DemoService(name, slug, "business", category, summary, owner, team, **kw)


def _t(name, slug, category, summary, owner, team, **kw) -> DemoService:
    kw.setdefault("is_public", False)
    kw.setdefault("support_hours", "24x7")
    return DemoService(name, slug, "technical", category, summary, owner, team, **kw)


SERVICES = [
    _b(
        "Email and Calendar",
        "email",
        "Collaboration",
        "Corporate mailboxes, shared calendars and distribution lists.",
        "james.okafor",
        "collaboration-support",
        criticality="high",
        features=[
            "50 GB mailbox",
            "Shared and resource calendars",
            "Mobile sync",
            "Spam and phishing filtering",
        ],
        offerings=[
            ("New shared mailbox", "action", "Mon-Fri 08:00-18:00"),
            ("Mailbox access", "access", "24x7"),
            ("Distribution list change", "action", "Mon-Fri 08:00-18:00"),
        ],
        depends_on=["directory", "network", "cloud-platform"],
    ),
    _b(
        "Video Conferencing",
        "video-conferencing",
        "Collaboration",
        "Meetings, webinars and meeting-room systems.",
        "james.okafor",
        "collaboration-support",
        features=[
            "Meetings up to 300 people",
            "Room systems in every office",
            "Recording and transcripts",
        ],
        offerings=[
            ("Meeting licence", "access", "24x7"),
            ("Webinar set-up", "action", "Mon-Fri 09:00-17:00"),
        ],
        depends_on=["directory", "network"],
    ),
    _b(
        "Laptops and Desktops",
        "workplace-devices",
        "Workplace",
        "Standard laptops and desktops, set up and supported.",
        "raj.patel",
        "end-user-computing",
        features=[
            "Standard and power-user models",
            "Encrypted disks",
            "Self-service software install",
        ],
        offerings=[
            ("New laptop", "goods", "Mon-Fri 08:00-18:00"),
            ("Laptop repair", "action", "Mon-Fri 08:00-18:00"),
            ("Loan device", "goods", "Mon-Fri 08:00-18:00"),
        ],
        depends_on=["directory", "device-management"],
    ),
    _b(
        "Mobile Phones",
        "mobile-devices",
        "Workplace",
        "Company smartphones with mail and secure apps.",
        "raj.patel",
        "end-user-computing",
        offerings=[
            ("New smartphone", "goods", "Mon-Fri 08:00-18:00"),
            ("Lost or stolen phone", "action", "24x7"),
        ],
        depends_on=["device-management", "email"],
    ),
    _b(
        "Printing",
        "printing",
        "Workplace",
        "Follow-me printing on every floor.",
        "raj.patel",
        "end-user-computing",
        criticality="low",
        offerings=[
            ("Printer access", "access", "24x7"),
            ("Toner and paper", "goods", "Mon-Fri 08:00-18:00"),
        ],
        depends_on=["network", "directory"],
    ),
    _b(
        "Wi-Fi and Guest Network",
        "wifi",
        "Connectivity",
        "Office Wi-Fi for staff and visitors.",
        "li.wei",
        "network-operations",
        offerings=[("Guest access code", "access", "24x7")],
        depends_on=["network"],
    ),
    _b(
        "Remote Access (VPN)",
        "vpn",
        "Connectivity",
        "Secure access to internal systems from anywhere.",
        "li.wei",
        "network-operations",
        criticality="high",
        support_hours="24x7",
        offerings=[("VPN access", "access", "24x7"), ("Token reset", "action", "24x7")],
        depends_on=["network", "directory"],
    ),
    _b(
        "Finance and Accounting (ERP)",
        "erp-finance",
        "Business applications",
        "General ledger, payables, receivables and month-end close in SAP.",
        "hannah.muller",
        "erp-support",
        criticality="critical",
        features=["General ledger", "Accounts payable and receivable", "Month-end close workflows"],
        offerings=[
            ("ERP user access", "access", "Mon-Fri 07:00-19:00"),
            ("New cost centre", "action", "Mon-Fri 08:00-18:00"),
            ("Report request", "action", "Mon-Fri 08:00-18:00"),
        ],
        depends_on=["database-platform", "hosting", "directory"],
    ),
    _b(
        "Payroll",
        "payroll",
        "Business applications",
        "Monthly payroll for all employees.",
        "hannah.muller",
        "erp-support",
        criticality="critical",
        offerings=[("Payslip query", "action", "Mon-Fri 09:00-17:00")],
        depends_on=["erp-finance", "hr-portal"],
    ),
    _b(
        "HR Self-Service Portal",
        "hr-portal",
        "Business applications",
        "Leave, expenses, personal details and learning for employees.",
        "hannah.muller",
        "erp-support",
        offerings=[("HR portal access", "access", "24x7")],
        depends_on=["directory", "database-platform", "hosting"],
    ),
    _b(
        "Customer Relationship Management",
        "crm",
        "Business applications",
        "Accounts, leads and opportunities.",
        "hannah.muller",
        "erp-support",
        criticality="high",
        offerings=[
            ("CRM licence", "access", "24x7"),
            ("Custom report", "action", "Mon-Fri 09:00-17:00"),
        ],
        depends_on=["directory", "cloud-platform"],
    ),
    _b(
        "Intranet and Documents",
        "intranet",
        "Collaboration",
        "News, team sites and document management.",
        "james.okafor",
        "collaboration-support",
        offerings=[
            ("New team site", "action", "Mon-Fri 08:00-18:00"),
            ("Site access", "access", "24x7"),
        ],
        depends_on=["directory", "cloud-platform", "file-storage"],
    ),
    _b(
        "File Storage and Sharing",
        "file-storage",
        "Collaboration",
        "Personal and shared drives with versioning.",
        "fatima.zahra",
        "server-and-storage",
        offerings=[
            ("Shared folder", "action", "Mon-Fri 08:00-18:00"),
            ("Restore a file", "action", "Mon-Fri 08:00-18:00"),
        ],
        depends_on=["backup", "hosting", "directory"],
    ),
    _b(
        "Accounts and Access",
        "accounts-access",
        "Security",
        "Joiners, movers and leavers; passwords and MFA.",
        "sofia.costa",
        "identity-and-access",
        criticality="high",
        support_hours="24x7",
        offerings=[
            ("New starter account", "action", "Mon-Fri 08:00-18:00"),
            ("Password reset", "action", "24x7"),
            ("Access to an application", "access", "Mon-Fri 08:00-18:00"),
        ],
        depends_on=["directory"],
    ),
    _b(
        "IT Service Desk",
        "service-desk",
        "Support",
        "One point of contact for IT: phone, chat, portal, walk-up.",
        "maria.lopez",
        "service-desk",
        criticality="high",
        support_hours="Mon-Fri 07:00-20:00",
        offerings=[
            ("Report an issue", "action", "24x7"),
            ("Walk-up support", "action", "Mon-Fri 09:00-17:00"),
        ],
    ),
    _b(
        "Telephony",
        "telephony",
        "Connectivity",
        "Desk and soft phones, call centre lines.",
        "li.wei",
        "network-operations",
        offerings=[("New extension", "action", "Mon-Fri 08:00-18:00")],
        depends_on=["network"],
    ),
    _t(
        "Directory and Single Sign-On",
        "directory",
        "Platform",
        "Active Directory and the SSO identity provider.",
        "sofia.costa",
        "identity-and-access",
        criticality="critical",
        depends_on=["hosting", "network"],
    ),
    _t(
        "Corporate Network",
        "network",
        "Platform",
        "LAN, WAN, firewalls and internet links.",
        "li.wei",
        "network-operations",
        criticality="critical",
    ),
    _t(
        "Data Centre Hosting",
        "hosting",
        "Platform",
        "Virtual servers in two data centres.",
        "fatima.zahra",
        "server-and-storage",
        criticality="critical",
        depends_on=["network"],
    ),
    _t(
        "Database Platform",
        "database-platform",
        "Platform",
        "Managed PostgreSQL, SQL Server and HANA.",
        "diego.rossi",
        "database-administration",
        criticality="critical",
        depends_on=["hosting", "backup"],
    ),
    _t(
        "Backup and Recovery",
        "backup",
        "Platform",
        "Nightly backups, 35-day retention, tested restores.",
        "fatima.zahra",
        "server-and-storage",
        criticality="high",
        depends_on=["network"],
    ),
    _t(
        "Cloud Platform",
        "cloud-platform",
        "Platform",
        "The public-cloud landing zone and shared services.",
        "ben.cohen",
        "cloud-platform",
        criticality="high",
        depends_on=["network", "directory"],
    ),
    _t(
        "Device Management",
        "device-management",
        "Platform",
        "Enrolment, patching and policies for devices.",
        "raj.patel",
        "end-user-computing",
        depends_on=["directory", "cloud-platform"],
    ),
    _t(
        "Monitoring and Alerting",
        "monitoring",
        "Platform",
        "Availability and performance monitoring.",
        "ben.cohen",
        "cloud-platform",
        depends_on=["network"],
    ),
    _b(
        "AI Assistant",
        "ai-assistant",
        "Collaboration",
        "A chat assistant over the intranet's documents (pilot).",
        "james.okafor",
        "collaboration-support",
        lifecycle="pipeline",
        depends_on=["intranet", "cloud-platform"],
    ),
    _b(
        "Fax",
        "fax",
        "Connectivity",
        "Fax to e-mail gateway. Replaced by secure e-mail.",
        "li.wei",
        "network-operations",
        lifecycle="retired",
        criticality="low",
        depends_on=["telephony"],
    ),
]

# name, type, location, team, services
CIS = [
    ("EXCH-MBX-01", "server", "DC1", "collaboration-support", ["email"]),
    ("EXCH-MBX-02", "server", "DC2", "collaboration-support", ["email"]),
    (
        "M365 Tenant",
        "cloud",
        "Cloud",
        "collaboration-support",
        ["email", "video-conferencing", "intranet"],
    ),
    ("SAP-PRD-APP01", "server", "DC1", "erp-support", ["erp-finance", "payroll"]),
    ("SAP-PRD-APP02", "server", "DC2", "erp-support", ["erp-finance", "payroll"]),
    ("SAP S/4HANA Finance", "application", "DC1", "erp-support", ["erp-finance"]),
    (
        "HANA-PRD-DB01",
        "database",
        "DC1",
        "database-administration",
        ["erp-finance", "database-platform"],
    ),
    (
        "PG-PRD-CL01",
        "database",
        "DC1",
        "database-administration",
        ["hr-portal", "database-platform"],
    ),
    ("SQL-PRD-CL01", "database", "DC2", "database-administration", ["database-platform"]),
    ("HR Portal Web", "application", "Cloud", "erp-support", ["hr-portal"]),
    ("Salesforce Org", "cloud", "Cloud", "erp-support", ["crm"]),
    ("AD-DC-01", "server", "DC1", "identity-and-access", ["directory", "accounts-access"]),
    ("AD-DC-02", "server", "DC2", "identity-and-access", ["directory", "accounts-access"]),
    ("Entra ID", "cloud", "Cloud", "identity-and-access", ["directory"]),
    ("CORE-SW-01", "network", "DC1", "network-operations", ["network"]),
    ("CORE-SW-02", "network", "DC2", "network-operations", ["network"]),
    ("FW-EDGE-01", "network", "DC1", "network-operations", ["network", "vpn"]),
    ("VPN-GW-01", "network", "DC1", "network-operations", ["vpn"]),
    ("WLC-HQ-01", "network", "HQ", "network-operations", ["wifi"]),
    ("PBX-HQ-01", "network", "HQ", "network-operations", ["telephony"]),
    ("ESX-CL-DC1", "server", "DC1", "server-and-storage", ["hosting"]),
    ("ESX-CL-DC2", "server", "DC2", "server-and-storage", ["hosting"]),
    ("SAN-DC1", "storage", "DC1", "server-and-storage", ["hosting", "file-storage"]),
    ("NAS-FILES-01", "storage", "DC1", "server-and-storage", ["file-storage"]),
    ("BACKUP-VAULT-01", "storage", "DC2", "server-and-storage", ["backup"]),
    ("Azure Landing Zone", "cloud", "Cloud", "cloud-platform", ["cloud-platform"]),
    ("Intune", "cloud", "Cloud", "end-user-computing", ["device-management", "mobile-devices"]),
    ("PRINT-SRV-01", "server", "HQ", "end-user-computing", ["printing"]),
    ("Zabbix", "application", "DC1", "cloud-platform", ["monitoring"]),
    ("Kaizen ITSM", "application", "DC1", "service-desk", ["service-desk"]),
]


def load_catalog() -> dict[str, int]:
    created = {"services": 0, "offerings": 0, "dependencies": 0, "cis": 0}
    users = {user.username: user for user in User.objects.all()}
    teams = {team.slug: team for team in Team.objects.all()}
    by_slug = {service.slug: service for service in Service.objects.all()}
    for spec in SERVICES:
        if spec.slug in by_slug:
            continue
        service = services.do_create_service(
            actor=None,
            name=spec.name,
            slug=spec.slug,
            service_type=spec.service_type,
            category=spec.category,
            summary=spec.summary,
            description=f"{spec.summary} Supported by {teams[spec.team].name}.",
            features="\n".join(spec.features),
            target_users="All employees" if spec.is_public else "IT teams and dependent services",
            how_to_request="Use the offerings below from the portal, or call the service desk on 5555.",
            support_hours=spec.support_hours,
            criticality=spec.criticality,
            owner=users[spec.owner],
            support_team=teams[spec.team],
            is_public=spec.is_public,
            lifecycle="pipeline" if spec.lifecycle == "pipeline" else "live",
        )
        if spec.lifecycle == "retired":
            services.do_change_service_lifecycle(service, "retired", actor=None, reason="Replaced")
        by_slug[spec.slug] = service
        created["services"] += 1
        for name, offering_type, hours in spec.offerings:
            services.do_create_offering(
                service,
                actor=None,
                name=name,
                offering_type=offering_type,
                availability_hours=hours,
                description=f"{name} for the {spec.name} service.",
            )
            created["offerings"] += 1
    existing = set(ServiceDependency.objects.values_list("service__slug", "depends_on__slug"))
    for spec in SERVICES:
        for target in spec.depends_on:
            if (spec.slug, target) not in existing:
                services.do_add_service_dependency(by_slug[spec.slug], by_slug[target], actor=None)
                created["dependencies"] += 1
    known_cis = set(ConfigurationItem.objects.values_list("name", flat=True))
    for name, ci_type, location, team, linked in CIS:
        if name in known_cis:
            continue
        services.do_create_ci(
            actor=None,
            name=name,
            ci_type=ci_type,
            location=location,
            support_team=teams[team],
            services=[by_slug[slug] for slug in linked],
        )
        created["cis"] += 1
    return created
