"""The demo partnership: two audits built from the published seed briefings.

`demo_load()` builds (or brings back to its demo state) everything the demo shows: the partnership's
settings, agencies, the shared taxonomy, the audit tool in two versions, the demo users, the Brighton &
Hove 2014/15 CSE audit (Part A open, returns in every state) and the Dudley 2017 CSE audit (reported,
with the Part B judgements and the findings of its learning briefing). `manage.py load_demo` then has
`briefings.demo` publish that learning briefing.

It is idempotent: every row is found by a natural key and written only if a value differs, so a second
run on the same day writes nothing. Running it after people have used the demo puts the demo rows back
as they were (that is the point of a demo reset); rows the demo does not know about are left alone.

The long texts below are the seed briefings' own words (links dropped: the models hold plain text).
Findings written as "**Lead-in** rest" in a seed are stored as heading = the lead-in and body = the rest,
without the dash or colon that separated them in the seed (the seed uses a dash, a colon or nothing:
"Be curious - Ensure…", "Supervision: Ensure…", "Listen to the young person…"). Emerging themes have
no lead-in: their text is the body.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Permission
from django.db import models, transaction
from django.utils import timezone

from agencies.models import Agency, LinkKind, Partnership, PartnershipLink, Role, Sector, SupportContact, User
from audits.models import (
    Answer,
    AnswerType,
    Attendance,
    AttendanceStatus,
    Audit,
    AuditAgency,
    AuditStatus,
    AuditTheme,
    AuditTool,
    Case,
    CaseJudgement,
    Finding,
    FindingKind,
    Grade,
    GradeScale,
    PartAReturn,
    PartBSession,
    Recommendation,
    RecommendationStatus,
    ReturnStatus,
    RiskFactor,
    Section,
    Standard,
    ToolVersion,
)

DEMO_PASSWORD = "demo"
DEMO_EMAIL_DOMAIN = "demo-scp.example.org"

# --- Partnership -------------------------------------------------------------------------------

PARTNERSHIP_NAME = "Demo Safeguarding Children Partnership"
PARTNERSHIP_SHORT_NAME = "Demo SCP"
# Not the seed's real address: a demo must never send mail to a real council mailbox.
PARTNERSHIP_EMAIL = f"lscb@{DEMO_EMAIL_DOMAIN}"

FEEDBACK_INVITATION = f"""\
As staff and frontline managers you will know about the quality and impact of your own services, and those of the partner agencies you work with. The LSCB Quality Assurance Framework highlights that it is important to the LSCB to have a constant feedback loop from the frontline to keep senior management and those with governance responsibilities 'reality-based'; not just in terms of what is or is not working, but to assist with ideas for improvement so that changes can be made systematically.

We would like to hear your thoughts, feedback and comments on findings presented to you in this briefing and any feedback on the style of the briefing itself, please do contact us at {PARTNERSHIP_EMAIL} to ensure your voice is heard."""

TRAINING = """\
The LSCB Runs two training courses in partnership with The Wise Project, a half day introduction Preventing & Disrupting the Sexual Exploitation of Children & Young People which raises awareness of CSE, and a full day CSE:Working with Young People at Risk follow on course to develop skills to improve practice. More details available www.brightonandhovelscb.org.uk/prof_training"""

# (name, when to contact, phone, e-mail, web address)
SUPPORT_CONTACTS = [
    (
        "Sussex Police",
        "If you suspect CSE is happening locally, call Sussex Police on 101 and quote Operation Kite.",
        "101",
        "",
        "https://www.sussex.police.uk/",
    ),
    ("MASH", "If you are worried about a child call the MASH on 01273 290400.", "01273 290400", "", ""),
    (
        "The Wise Project",
        "For advice on supporting young people who are victims of CSE locally contact The Wise Project on 01273 222 583.",
        "01273 222 583",
        "",
        "https://www.ymcadlg.org/",
    ),
    (
        "Dudley CSE Team",
        "The CSE team identifies and ensure system and processes exist to provide support to victims and those at "
        "risk of sexual exploitation. You can contact the team on: "
        f"cse.team@{DEMO_EMAIL_DOMAIN}; or tele: 01384 817777 if you have any concerns or for "
        "advice.\n\nSeek advice and support from the CSE team/ other agencies – If you have any queries or questions "
        "you can contact other agencies for advice and information, or reassurance on concerns.",
        "01384 817777",
        f"cse.team@{DEMO_EMAIL_DOMAIN}",
        "",
    ),
]

BARNARDOS = """\
Barnardo's have been working to end CSE for many years and have undertaken a lot of research as well as launching a parliamentary inquiry with MP for Rotherham Sarah Chapman that was completed in spring 2014. They are the largest provider of child sexual exploitation support services in the UK, and last year worked with 1,940 victims through 29 specialist services. In April 2014 Barnardo's launched an app Wud U? that teaches young people about CSE and making safe choices through interactive stories. It also helps parents & professionals understand how young people may be coerced into exploitative situations by their abusers and can be downloaded for free from the Microsoft App Store, the Apple Store or Google play."""

PACE = """\
PACE (Parent's Against Child Sexual Exploitation), have been working for over 17 years to support families who are affected by CSE and promote the role that parents should have working in partnership with professionals to safeguard their children. They have recently launched a free online course Keep Them Safe, for parents to raise awareness of the dangers of CSE, teach them how to spot the signs, and how to get help & support."""

NWG = """\
National Working Group is a charity and network of practitioners, researchers & policy makers organisation covering voluntary & statutory services and private companies working with children & young people. They offer support, advice and influence the development of national & local policy informed by practice. The NWG Network organises regular forums, events & surgeries for its network including forums for practitioners and specialist seminars. They have also developed 'Our Voice' Young People's Participation to enable their voices to be heard."""

# (kind, title, web address, description). The seeds' links are placeholders: these are the
# organisations' official home pages.
PARTNERSHIP_LINKS = [
    (LinkKind.USEFUL, "Barnardo's", "https://www.barnardos.org.uk/", BARNARDOS),
    (LinkKind.USEFUL, "PACE", "https://paceuk.info/", PACE),
    (LinkKind.USEFUL, "National Working Group", "https://www.nwgnetwork.org/", NWG),
    (
        LinkKind.READING,
        "Pan Sussex Child Protection & Safeguarding Procedures",
        "https://sussexchildprotection.procedures.org.uk/",
        "",
    ),
    (
        LinkKind.READING,
        "Department of Health, 'Health Working Group Report on Child Sexual Exploitation' 2014",
        "https://www.gov.uk/government/publications/health-working-group-report-on-child-sexual-exploitation",
        "",
    ),
    (
        LinkKind.READING,
        "Department for Education: What to do if you suspect a child is being sexually exploited: guidance for "
        "frontline practitioners, 2012",
        "https://www.gov.uk/government/publications/what-to-do-if-you-suspect-a-child-is-being-sexually-exploited",
        "",
    ),
    (
        LinkKind.PROCEDURE,
        "Multi-Agency Safeguarding Procedures",
        "http://westmidlands.procedures.org.uk/",
        "DSCB operate in partnership with the West Midlands LSCB network for its multi-agency procedures, this cover "
        "a wide variety of situations you may encounter.",
    ),
    (
        LinkKind.PROCEDURE,
        "Dudley's Child Sexual Exploitation Strategy and Screening Tool",
        "http://westmidlands.procedures.org.uk/local-content/4cjN/child-sexual-exploitation-risk-assessment",
        "The CSE Strategy and its associated tools has been designed in line with the West Midlands Regional "
        "Framework, to assist practitioners to recognise and respond effectively for possible child sexual "
        "exploitation.",
    ),
    (
        LinkKind.TRAINING,
        "DSCB child sexual exploitation training",
        "http://safeguarding.dudley.gov.uk/child/work-with-children-young-people/training/",
        "DSCB offer free face to face training on Child Sexual Exploitation and related themes. These are available "
        "via the DSCB website, by clicking on Booking Training.",
    ),
    (
        LinkKind.TRAINING,
        "Brighton & Hove LSCB training",
        "http://www.brightonandhovelscb.org.uk/prof_training",
        TRAINING,
    ),
]

# --- Agencies ----------------------------------------------------------------------------------

# key: (name, short name, sector). Brighton & Hove's audit team, as the seed lists it.
BH_AGENCIES = {
    "wise": ("The WISE Project", "WISE", Sector.THIRD_SECTOR),
    "socialcare": ("BHCC Children's Social Work", "BHCC CSW", Sector.SOCIAL_CARE),
    "police": ("Sussex Police", "Sussex Police", Sector.POLICE),
    "hospitals": ("Brighton & Sussex University Hospitals", "BSUH", Sector.HEALTH),
    "ruok": ("Ru-Ok (Young People's Substance Misuse Service)", "Ru-Ok", Sector.HEALTH),
    "youth": ("The Youth Service", "Youth Service", Sector.YOUTH),
    "safeguarding": ("The Safeguarding & Review Service, BHCC", "Safeguarding & Review", Sector.LOCAL_AUTHORITY),
    "attendance": ("Behaviour & Attendance, BHCC", "Behaviour & Attendance", Sector.EDUCATION),
    "yos": ("The Youth Offending Service", "YOS", Sector.JUSTICE),
    "health": (
        "Sussex Community Trust: School Nursing, CASH (Contraception & Sexual Health) & LAC (Looked After Children) "
        "Health",
        "Sussex Community Trust",
        Sector.HEALTH,
    ),
}

# Illustrative: the Dudley seed does not list its audit team, so these are the agencies such a
# team plausibly had.
DUDLEY_AGENCIES = {
    "police": ("West Midlands Police", "WMP", Sector.POLICE),
    "socialcare": ("Dudley Children's Services", "Dudley CS", Sector.SOCIAL_CARE),
    "health": ("Dudley Group NHS Foundation Trust", "Dudley Group NHS", Sector.HEALTH),
    "education": ("Dudley Schools", "Dudley Schools", Sector.EDUCATION),
    "cse": ("Dudley CSE Team", "Dudley CSE Team", Sector.LOCAL_AUTHORITY),
    "camhs": ("Black Country Partnership NHS Foundation Trust (CAMHS)", "BCPFT CAMHS", Sector.HEALTH),
}

# --- Taxonomy, grades and the audit tool ----------------------------------------------------------

THEMES = [("cse", "Child sexual exploitation"), ("neglect", "Neglect"), ("missing-children", "Missing children")]

RISK_FACTORS = [
    ("missing-from-home", "Missing from home or care", "Episodes of going missing from home or from care."),
    (
        "missing-from-school",
        "Missing from school and reduced timetables",
        "Children going missing from school repeatedly and on reduced timetables.",
    ),
    ("school-absence", "School absence", "Persistent absence from school or college."),
    ("drug-alcohol-misuse", "Drug and alcohol misuse", ""),
    (
        "domestic-abuse-neglect",
        "Domestic abuse and neglect in the family",
        "Domestic abuse and neglect within the family.",
    ),
    ("offending", "Offending behaviour", ""),
    ("risky-sexual-behaviour", "Risky sexual behaviour", "Displayed risky sexual behaviour."),
    ("mental-health", "Mental health", "Emotional wellbeing and mental health needs, including self-harm."),
    (
        "new-possessions-gifts",
        "New possessions and gifts",
        "Having new possessions and gifts that cannot be explained.",
    ),
    (
        "changes-in-behaviour",
        "Changes in behaviour and appearance",
        "Changes in behaviour, looking dishevelled and unclean, change in appearance and mature clothing.",
    ),
]

GRADE_SCALE_NAME = "Ofsted four-point scale"
GRADES = [
    (1, "outstanding", "Outstanding"),
    (2, "good", "Good"),
    (3, "requires-improvement", "Requires improvement"),
    (4, "inadequate", "Inadequate"),
]
# What each grade means (Grade.description), shown to the auditors with the standards: by rank.
GRADE_DESCRIPTIONS = {
    1: (
        "Practice is consistently effective and makes a real difference: the child's needs and risks are identified "
        "early, agencies share information and act together, and the child's voice shapes what is done."
    ),
    2: (
        "Practice is effective: risks are recognised and acted on in good time, information is shared and the "
        "child is kept safe, with minor gaps that did not affect the outcome."
    ),
    3: (
        "Practice is not yet good: no serious failure left the child at risk, but there were delays, gaps in "
        "assessment, recording or information sharing, or the child's voice was not heard."
    ),
    4: (
        "Practice is not effective: risks were missed or not acted on, or agencies did not work together, so the "
        "child was left at risk of harm or their needs were not met."
    ),
}

TOOL_NAME = "Multi-agency CSE audit tool"
TOOL_DESCRIPTION = (
    "Standards which follow the journey of the child from Response through to Protection. Each standard is graded "
    "on the four-point scale, or marked not applicable, with the evidence from the agency's records."
)

# Section title → [(code, standard, guidance for the auditor)], in the journey's order.
TOOL_V1_SECTIONS: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    (
        "Response",
        "How concerns were first recognised and acted upon.",
        [
            (
                "R1",
                "Concerns about CSE were recognised and responded to promptly",
                "Find the first record of a concern that the young person was at risk of CSE. Was it recognised as "
                "possible CSE, and what was done the same working day?",
            ),
            (
                "R2",
                "The CSE screening tool was used",
                "Check that the CSE screening tool was completed when indicators were present, and that the result "
                "led to action.",
            ),
            (
                "R3",
                "Information was shared with partner agencies in a timely way",
                "Look for what was shared, with whom and how quickly. Note anything this agency held that partners "
                "did not receive.",
            ),
        ],
    ),
    (
        "Assessment",
        "How the risks and the young person's needs were understood.",
        [
            (
                "A1",
                "Risks of CSE were assessed, recorded and acted upon",
                "Is there a current assessment of CSE risk, recorded where others can find it, and did it lead to "
                "action?",
            ),
            (
                "A2",
                "The assessment considered the young person's history and family circumstances",
                "Does the assessment draw on history (earlier referrals, missing episodes, school moves) and on the "
                "parents' or carers' capacity to protect?",
            ),
            (
                "A3",
                "The voice of the young person is evident",
                "Are the young person's own words, wishes and feelings recorded, and did they influence what was done?",
            ),
        ],
    ),
    (
        "Planning",
        "Whether a shared plan addressed the risks.",
        [
            (
                "P1",
                "Multi-agency plan addresses the CSE risks",
                "Is there a multi-agency plan (child in need, child protection or CSE plan) that names each risk and "
                "says who does what by when?",
            ),
            (
                "P2",
                "The young person and their parents or carers were involved in planning",
                "Were the young person and their parents or carers invited, helped to take part, and given a copy "
                "of the plan?",
            ),
            (
                "P3",
                "Contingency plans are in place for missing episodes",
                "If the young person goes missing, is it clear what each agency will do? Were return interviews "
                "completed?",
            ),
        ],
    ),
    (
        "Intervention",
        "The help given and how agencies worked together.",
        [
            (
                "I1",
                "Interventions were timely and proportionate to the risk",
                "Did help start soon after the risk was identified, and did its intensity match the level of risk?",
            ),
            (
                "I2",
                "Specialist support was offered and followed up",
                "Was specialist support (a CSE project, substance misuse service, CAMHS, sexual health) offered, and "
                "was a refusal followed up with another offer?",
            ),
            (
                "I3",
                "Agencies worked jointly and challenged each other where needed",
                "Look for joint visits, joint meetings and professional challenge, and whether disagreements were "
                "escalated.",
            ),
        ],
    ),
    (
        "Protection",
        "Whether the young person is safer.",
        [
            (
                "PR1",
                "Action was taken to disrupt perpetrators and protect the young person",
                "Were suspected perpetrators identified, intelligence shared and disruption considered (for example "
                "child abduction warning notices)?",
            ),
            (
                "PR2",
                "The young person is safer as a result of the multi-agency response",
                "Compare the risk at the start and at the end of the audit period: what has changed, and why?",
            ),
        ],
    ),
]

TOOL_V2_NOTES = (
    "Copied from version 1 for the Dudley audit: the screening tool standard now asks for the risk level to be "
    "recorded, and an Outcomes section is added."
)
TOOL_V2_CHANGED_STANDARDS = {
    "R2": (
        "Dudley's CSE screening tool was completed and the risk level recorded",
        "Check that Dudley's CSE screening tool was completed when indicators were present, that the risk level "
        "(low, medium, high) is recorded, and that it was shared with the CSE Team.",
    )
}
# (code, standard, guidance, answer type)
TOOL_V2_OUTCOMES = [
    (
        "O1",
        "Outcomes for the young person have improved",
        "What is different for the young person now: education, health, relationships, safety?",
        AnswerType.GRADE,
    ),
    (
        "O2",
        "The case was reflected on in supervision",
        "Was the case discussed in supervision, were options explored and was practice challenged?",
        AnswerType.GRADE,
    ),
    (
        "O3",
        "What made the most difference for the young person?",
        "Describe in a few sentences what helped most, in the young person's or family's words where you have them.",
        AnswerType.TEXT,
    ),
]

# Evidence an auditor might write for each standard: (when it went well, when it did not).
# Realistic and non-identifying: no names, dates of birth or record numbers.
EVIDENCE = {
    "R1": (
        "The first concern was recognised as possible CSE on the day it was raised and a referral was made to the "
        "MASH the same day. The record shows what was seen and who was told.",
        "Early indicators (going missing, an older boyfriend) were recorded over several weeks but were not "
        "identified as possible CSE until a later police report.",
    ),
    "R2": (
        "The screening tool was completed at the first contact and again after the next missing episode; the rising "
        "score was shared with the social worker.",
        "No screening tool was found on the file although several indicators were recorded. Practitioners relied on "
        "professional judgement alone.",
    ),
    "R3": (
        "Information was shared with Children's Social Work and the school within one working day, and the record "
        "notes the response received.",
        "Information about a new adult contact was held by this agency for some weeks before being passed to the "
        "social worker.",
    ),
    "A1": (
        "The risk assessment is up to date, identifies push and pull factors, and each identified risk has an action "
        "and a named lead.",
        "Risks are described in case notes but there is no single assessment; the level of risk is not stated, so it "
        "is hard to see whether it changed.",
    ),
    "A2": (
        "The assessment draws together the history of missing episodes and school moves and considers the parent's "
        "capacity to keep the young person safe.",
        "The assessment focuses on the latest incident and does not consider earlier referrals or the impact of "
        "domestic abuse at home.",
    ),
    "A3": (
        "The young person's own words are recorded at each contact, and their views about where they felt safe "
        "shaped the plan.",
        "The young person's views are summarised by professionals; there is little of what they said themselves or "
        "of how it changed the work.",
    ),
    "P1": (
        "The plan addresses each risk in the assessment, names the lead agency for each action and was reviewed at "
        "the last strategy meeting.",
        'A plan exists but its actions are general ("continue to monitor") and do not say who will do what about '
        "the identified risks.",
    ),
    "P2": (
        "The young person attended part of the planning meeting with their youth worker and the parent was given a "
        "copy of the plan.",
        "There is no record that the young person was invited to contribute to the plan or that the parent received "
        "a copy.",
    ),
    "P3": (
        "A missing protocol is in place (who to call, places to check) and return interviews were completed within "
        "72 hours.",
        "Return interviews were not completed after two of the missing episodes and there is no agreed contingency "
        "plan.",
    ),
    "I1": (
        "Intervention started within a week of the concern and was stepped up when the young person went missing "
        "again.",
        "There was a delay of several weeks between the referral and the first session, during which further "
        "incidents occurred.",
    ),
    "I2": (
        "Referrals were made to the CSE project and to sexual health services; when the young person declined, "
        "workers went back with a different offer.",
        "A referral to CAMHS was not accepted and there is no record that the decision was challenged or another "
        "route explored.",
    ),
    "I3": (
        "Joint visits with the social worker and regular professionals' meetings; a disagreement about the threshold "
        "was escalated and resolved.",
        "Agencies worked alongside each other rather than together; concerns about the lack of progress were not "
        "raised with partners.",
    ),
    "PR1": (
        "Intelligence about adults of concern was submitted and a child abduction warning notice was served; the "
        "young person was told what had been done.",
        "Information about an adult of concern was recorded but not submitted as intelligence, and disruption was "
        "not considered.",
    ),
    "PR2": (
        "Missing episodes have stopped, school attendance has improved and the young person is engaging with the CSE "
        "worker.",
        "Risks remain high: missing episodes continue and the young person is not engaging with any service.",
    ),
    "O1": (
        "Attendance has risen, the young person is back in full-time education and has a trusted adult to talk to.",
        "There is no evidence of improved outcomes; the young person's situation is much as it was at referral.",
    ),
    "O2": (
        "The case was discussed in supervision every month; the manager challenged a proposed closure and the case "
        "stayed open.",
        "Supervision records list actions only; there is no reflection on why the plan was not working.",
    ),
    "O3": (
        "A consistent worker who kept going back, and a school place that was held open.",
        "Being listened to: the young person said the key worker was the first adult who believed them.",
    ),
}
NOT_APPLICABLE_EVIDENCE = (
    "Disruption of perpetrators is led by the police in this case; this agency held no information about adults of "
    "concern."
)
RETURN_STRENGTHS = [
    "Concerns were recorded clearly and shared quickly; the record shows a good understanding of CSE indicators.",
    "A consistent worker built a trusting relationship with the young person and kept going back when they did not "
    "engage.",
    "Good joint working with the social worker: attended every strategy meeting and completed agreed actions.",
    "The young person's views are recorded in their own words and were acted on.",
]
RETURN_IMPROVEMENTS = [
    "The screening tool should be completed and recorded on the file whenever indicators are present.",
    "Case notes do not always say what was shared with partners and when; this should be recorded.",
    "Supervision should record reflection on the case, not only a list of actions.",
    "Risks to the young person from adults of concern were not always passed on as intelligence.",
]
NO_INVOLVEMENT_REASONS = [
    "No record of the young person or the family on this agency's systems.",
    "The young person was not known to the service during the audit period.",
    "Checked the case records: no contact with this young person during the audit period.",
]
AMENDMENT_COMMENTS = [
    "Please add the evidence for P1: the return says a multi-agency plan was in place but not what it covered or "
    "who led each action.",
    "R2 is graded Good but the evidence says no screening tool was found: please check the grade or the evidence.",
]

# --- Users -------------------------------------------------------------------------------------

# username: (first name, last name, role, agency as (place, key) or None, job title). Fictional people.
USERS: dict[str, tuple[str, str, str, tuple[str, str] | None, str]] = {
    "qa.manager": ("Jo", "Marsh", Role.QA_MANAGER, None, "LSCB Quality Assurance Manager"),
    "lead.officer": ("Sam", "Ellis", Role.MANAGER, ("bh", "police"), "Safeguarding and Investigation Unit"),
    "auditor.police": ("Priya", "Shah", Role.PRACTITIONER, ("bh", "police"), "Detective Constable, Operation Kite"),
    "auditor.socialcare": ("Tom", "Reid", Role.PRACTITIONER, ("bh", "socialcare"), "Senior Social Worker"),
    "auditor.health": ("Anna", "Kowalski", Role.PRACTITIONER, ("bh", "health"), "Named Nurse for Safeguarding"),
    "auditor.wise": ("Leah", "Brooks", Role.PRACTITIONER, ("bh", "wise"), "CSE Project Worker"),
    "auditor.hospitals": ("Daniel", "Okafor", Role.PRACTITIONER, ("bh", "hospitals"), "Safeguarding Nurse Specialist"),
    "auditor.ruok": ("Megan", "Price", Role.PRACTITIONER, ("bh", "ruok"), "Young People's Substance Misuse Worker"),
    "auditor.youth": ("Chris", "Doyle", Role.PRACTITIONER, ("bh", "youth"), "Senior Youth Worker"),
    "auditor.safeguarding": ("Helen", "Ward", Role.PRACTITIONER, ("bh", "safeguarding"), "Child Protection Chair"),
    "auditor.attendance": ("Ravi", "Patel", Role.PRACTITIONER, ("bh", "attendance"), "Education Welfare Officer"),
    "auditor.yos": ("Kate", "Simmons", Role.PRACTITIONER, ("bh", "yos"), "YOS Case Manager"),
    "manager": ("Alex", "Morgan", Role.MANAGER, ("bh", "youth"), "Youth Service Manager"),
    "practitioner": ("Jamie", "Fox", Role.PRACTITIONER, ("bh", "wise"), "Young People's Worker"),
    "admin": ("Pat", "Lewis", Role.ADMINISTRATOR, None, "Systems Administrator"),
    "dudley.lead": ("Fiona", "Grant", Role.MANAGER, ("dudley", "cse"), "CSE Co-ordinator"),
    "dudley.auditor.police": ("Mark", "Hughes", Role.PRACTITIONER, ("dudley", "police"), "Public Protection Unit"),
    "dudley.auditor.socialcare": ("Claire", "Bennett", Role.PRACTITIONER, ("dudley", "socialcare"), "Team Manager"),
    "dudley.auditor.health": ("Sarah", "Collins", Role.PRACTITIONER, ("dudley", "health"), "Named Nurse"),
    "dudley.auditor.education": (
        "Paul",
        "Wright",
        Role.PRACTITIONER,
        ("dudley", "education"),
        "Designated Safeguarding Lead",
    ),
    "dudley.auditor.cse": ("Nadia", "Hussain", Role.PRACTITIONER, ("dudley", "cse"), "CSE Practitioner"),
    "dudley.auditor.camhs": ("Ian", "Roberts", Role.PRACTITIONER, ("dudley", "camhs"), "CAMHS Practitioner"),
}

# The administrator manages people and settings and reads the access log; nothing of audit content.
ADMIN_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("user", "agency", "partnership", "supportcontact", "partnershiplink")
    for action in ("add", "change", "delete", "view")
] + ["view_accessrecord"]
# The administrator's unlock paths: lockouts (django-axes) and lost authenticators (django-otp).
ADMIN_SECURITY_PERMISSIONS = [
    ("axes", "view_accessattempt"),
    ("axes", "delete_accessattempt"),
    ("otp_totp", "view_totpdevice"),
    ("otp_totp", "delete_totpdevice"),
    ("otp_static", "view_staticdevice"),
    ("otp_static", "delete_staticdevice"),
]

# --- Audit 1: Brighton & Hove, 2014/15, Part A open -------------------------------------------------

BH_SLUG = "bh-cse-2015"
BH_TITLE = "Child Sexual Exploitation multi-agency audit 2014/15"
BH_SCOPE = (
    "Is there a robust inter agency response to CSE in Brighton & Hove that keeps children and young people safe?"
)
BH_CONTEXT = """\
One of the recommendations made by the Children's Commissioner in the November 2013 report: If Only Someone had Listened, Inquiry into Child Sexual Exploitation in Gangs & Groups was for: "LSCBs to consider auditing periodically how multi agency plans for safeguarding and promoting the welfare of children and young people, support for parents and carers and action on offenders are effectively developed and implemented in line with this guidance, (If Only Someone had Listened) and Working Together to Safeguard Children, March 2013

More recently, in response to Professor Alexis Jay's Independent Inquiry for Rotherham, the Ofsted Chief Inspector commissioned a thematic inspection of Child Sexual Exploitation (CSE) to build a clearer picture of how well local authorities and partners are working to prevent CSE in their area, to offer protection to its victims, and to pursue and prosecute its abusers. In the Ofsted report, 'The sexual exploitation of children: it couldn't happen here, could it?' the inspectors found that that local arrangements to tackle sexual exploitation are often underdeveloped and partnership action between local authorities, police, health services and others is often disjointed, with poor information sharing leading to an overall lack of understanding of child sexual exploitation in some areas.

Against this background the Brighton & Hove LSCB Monitoring & Evaluation Subcommittee agreed to test whether there is a robust inter agency response to CSE in Brighton & Hove that keeps children and young people safe. The lead officer for the audit was Sam Ellis, Sussex Police Safeguarding and Investigation Unit with support from the LSCB Quality Assurance Manager, Jo Marsh."""
BH_METHODOLOGY = """\
Six cases were selected for the audit from a cohort young people known to Operation Kite. Operation Kite was launched in May 2014 and is a Sussex Police initiative around the reporting and identification of children and young people who are at risk of CSE across East and West Sussex and Brighton & Hove. The audit tool included a number of standards which followed the journey of the child from Response through to Protection.

As with previous multi agency quality assurance activity, the audit consisted of two parts: Part A required members of the audit team to individually audit their records and Part B: auditors were invited to a ½ day event to share their audit findings and to evaluate the overall effectiveness of the work"""
BH_COHORT = "young people known to Operation Kite"
BH_WHAT_NEXT = (
    "The full report was presented to the LSCB Monitoring & Evaluation Sub Committee on the 28th January 2015 and "
    "the recommendations will be taken forward by the Strategic CSE Group."
)

# reference: (age band, gender, risk factor slugs). Case 2 is a boy: the first recommendation is
# about boys and young men.
BH_CASES = [
    ("Case 1", "13-15", "female", ["missing-from-home", "school-absence", "risky-sexual-behaviour"]),
    ("Case 2", "16-17", "male", ["drug-alcohol-misuse", "offending", "missing-from-home"]),
    ("Case 3", "13-15", "female", ["domestic-abuse-neglect", "mental-health", "new-possessions-gifts"]),
    ("Case 4", "16-17", "female", ["drug-alcohol-misuse", "risky-sexual-behaviour", "missing-from-home"]),
    ("Case 5", "13-15", "female", ["missing-from-school", "school-absence", "changes-in-behaviour"]),
    ("Case 6", "16-17", "female", ["risky-sexual-behaviour", "mental-health"]),
]

# One letter per case (Case 1…6) for each agency's returns:
# N not started, D draft, S submitted, R returned for amendment, A accepted,
# X no involvement (accepted), Y no involvement (submitted, waiting for the QA manager).
# Other engineers' browser tests rely on: police Case 1 N and Case 2 D; social care Case 2 S.
BH_RETURN_STATES = {
    "wise": "AXDNSX",
    "socialcare": "ASARAD",
    "police": "NDSAAN",
    "hospitals": "XNXANS",
    "ruok": "XXNDXN",
    "youth": "NYNXAN",
    "safeguarding": "ANASND",
    "attendance": "NAXNAX",
    "yos": "XNSXNA",
    "health": "ADNNRA",
}

# The seed's five overall strengths: a short heading made from the first sentence, and the paragraph.
BH_STRENGTHS = [
    (
        "Timely information sharing",
        "Information sharing across agencies is timely and of a good standard. Good practice is noted in one case where detailed information was shared immediately by the Police with Children's Social work and this led to appropriate action being taken to safeguard the young person. In another case, the CASH service liaised with the teenage pregnancy worker and the social worker to share new concerns about young person's lack of awareness of risky behaviour",
    ),
    (
        "Risks assessed and acted upon",
        "Risks are appropriately assessed, recorded and acted upon following the concerns raised under Operation Kite.",
    ),
    (
        "Effective joint working",
        "There is evidence of effective joint working between the agencies involved in the six cases",
    ),
    (
        "The voice of the young person",
        "The voice of the young person is evident in all cases and there are examples where the young person's involvement in decision making is actively promoted.",
    ),
    (
        "Timely and effective interventions",
        "Interventions in response to recent concerns are timely and as a result of Operation Kite & the dedicated social worker, interventions are beginning to be effective. Good practice is acknowledged in one case where interventions have been both timely and effective. This is evident in the action taken by the Behaviour & Attendance service in response to a young person's non attendance at school. A joint meeting was held with the school and a tutoring package and a place at the Connected Hub was agreed. Since then the young person has engaged well and her behaviour is good. Furthermore, although the young person did not wish to engage with WISE, a sufficient plan of CSE support was put in place via educational provision with WISE providing CSE training for staff and resources which the young person has responded well to.",
    ),
]
# Strength number → (case reference, agency keys of the accepted returns that show the good practice).
BH_STRENGTH_LINKS = {1: ("Case 5", ["police", "socialcare"]), 5: ("Case 5", ["attendance"])}

BH_RECOMMENDATIONS_OWNER = "Vulnerable Children's Monitoring Group & CSE Steering Group"
BH_RECOMMENDATIONS = [
    "A more robust response to the needs of boys and young men impacted by CSE is required. This includes improving our understanding about the risk factors affecting boys & young men including the different routes into exploitation.",
    "Be more proactive at identifying vulnerable young people at risk of CSE through the regular review of Children in Need and Children on CP Plans.",
    "Strengthen the risk management process for children and young people at risk of and/or impacted by CSE. It is proposed that one of the remits of the CSE/Missing Team will be to co-ordinate multi agency plans, ensure that they are clearly recorded and then ensure that they are progressing well with risks being reduced.",
    "Adapt our support services for young people so that they are assertive, flexible, and accessible. For example, a one stop integrated service for adolescents that utilises outreach to actively seek out vulnerable young people, builds their trust and engages them in services which complement the statutory services they may already be receiving.",
    "Related to the point above, there needs to be a clearer pathway and better, more timely availability of CAMHS (Child & Adolescent Mental Health) for children and young people who are impacted by CSE through for e.g. assertive outreach and/or a mechanism for self referral to make it easier to access help and support.",
    "Recognise the expertise held by the Third Sector in this area and utilise the professional consultation and independence from statutory services.",
    "Recognise the support vulnerable young people need through the key transition points e.g. when young people move from Children's Services to Adult Services. Often the age limits and eligibility criteria vary from one service to another which make it difficult for young people to navigate.",
    "The risks and reality of CSE need to be even more explicitly highlighted with staff so that intervention is early and effective – engagement with school appears to be a significant proactive factor in children and young people's lives and ensures that there are positive interactions with adults.",
]
# Recommendation number → (owner, due in days from today, status); the others: the default owner,
# open, due in 180 days.
BH_RECOMMENDATION_TRACKING = {
    1: (BH_RECOMMENDATIONS_OWNER, 90, RecommendationStatus.IN_PROGRESS),
    3: ("Strategic CSE Group", 120, RecommendationStatus.IN_PROGRESS),
    5: ("Strategic CSE Group", 150, RecommendationStatus.OPEN),
}

# (kind, agency key, heading, text): from the full report, which has these per agency.
BH_AGENCY_FINDINGS = [
    (
        FindingKind.AGENCY_STRENGTH,
        "police",
        "Immediate sharing under Operation Kite",
        "Detailed information was shared with Children's Social Work as soon as it was received, which led to "
        "prompt action to safeguard the young person.",
    ),
    (
        FindingKind.AGENCY_STRENGTH,
        "socialcare",
        "A dedicated social worker",
        "The dedicated CSE social worker co-ordinated the response and the young people's views are recorded in "
        "their own words.",
    ),
    (
        FindingKind.AGENCY_STRENGTH,
        "attendance",
        "Keeping the young person in education",
        "A joint meeting with the school agreed a tutoring package and a place at the Connected Hub.",
    ),
    (
        FindingKind.AGENCY_STRENGTH,
        "health",
        "CASH liaison",
        "The CASH service liaised with the teenage pregnancy worker and the social worker to share new concerns.",
    ),
    (
        FindingKind.AGENCY_IMPROVEMENT,
        "socialcare",
        "Recording multi-agency plans",
        "Plans were not always recorded in one place with a named lead for each action.",
    ),
    (
        FindingKind.AGENCY_IMPROVEMENT,
        "hospitals",
        "Screening at the emergency department",
        "Attendances by young people with CSE indicators were not consistently screened or shared with the MASH.",
    ),
    (
        FindingKind.AGENCY_IMPROVEMENT,
        "youth",
        "Boys and young men",
        "Workers were less likely to consider CSE for the boy in the sample than for the girls.",
    ),
    (
        FindingKind.AGENCY_IMPROVEMENT,
        "yos",
        "CSE in YOS assessments",
        "Known CSE risks were not reflected in the young person's YOS assessment and intervention plan.",
    ),
]

# --- Audit 2: Dudley, 2017, reported ----------------------------------------------------------------

DUDLEY_SLUG = "dudley-cse-2017"
DUDLEY_TITLE = "Child Sexual Exploitation multi-agency case file audit 2017"
DUDLEY_SCOPE = "How effective is Dudley's approach and response to issues of child sexual exploitation?"
DUDLEY_CONTEXT = """\
Dudley Safeguarding Children Board (DSCB) has a duty to evaluate multi-agency working through case file audits which involves professionals from across the children's workforce, and in turn, share the learning regarding the quality of practice and lessons for improvements.

A multi-agency case file audit (MACFA) took place on the 13th June 2017 which focused on Dudley approach and response to issues of Child sexual Exploitation (CSE)

This briefing paper is to inform how changes can be made to professional practice across the children's workforce to ensure Dudley's response and support to issues of CSE are effective and robust."""
# Illustrative: the seed does not describe its method beyond the date of the audit.
DUDLEY_METHODOLOGY = (
    "Five cases of young people known to the Dudley CSE Team were selected. Each agency audited its own records "
    "against the multi-agency CSE audit tool (Part A), then the auditors met at the multi-agency case file audit on "
    "13 June 2017 to share their findings and agree a judgement on each case (Part B)."
)
DUDLEY_COHORT = "young people known to the Dudley CSE Team"
DUDLEY_PART_B_DATE = dt.date(2017, 6, 13)
DUDLEY_VENUE = "Dudley Council House, Priory Road"
# Illustrative: the seed names no one. The chair is the demo's QA manager; the lead officer is named on the audit.
DUDLEY_CHAIR = "Jo Marsh, LSCB Quality Assurance Manager"
DUDLEY_OTHER_ATTENDEES = "Fiona Grant, CSE Co-ordinator (lead officer)\nDesignated Doctor for Safeguarding Children"
# Illustrative: the seed has no "what next" section.
DUDLEY_WHAT_NEXT = (
    "The findings were reported to the DSCB Performance and Quality Assurance Subgroup, and the recommendations will "
    "be taken forward by the DSCB CSE Subgroup."
)
DUDLEY_CASES = [
    ("Case 1", "13-15", "female", ["missing-from-school", "risky-sexual-behaviour", "new-possessions-gifts"]),
    ("Case 2", "16-17", "male", ["drug-alcohol-misuse", "offending"]),
    ("Case 3", "13-15", "female", ["domestic-abuse-neglect", "missing-from-home", "changes-in-behaviour"]),
    ("Case 4", "16-17", "female", ["drug-alcohol-misuse", "risky-sexual-behaviour", "missing-from-school"]),
    ("Case 5", "10-12", "female", ["domestic-abuse-neglect", "school-absence", "mental-health"]),
]
# A accepted, X no involvement (accepted): Part B is done, nothing is outstanding.
DUDLEY_RETURN_STATES = {
    "police": "AAAAA",
    "socialcare": "AAAAA",
    "health": "AXAAX",
    "education": "AAXAA",
    "cse": "AAAXA",
    "camhs": "XAXAX",
}
DUDLEY_APOLOGIES = {"camhs"}

# The Part B group's reasons for each journey stage: (when it went well, when it did not).
JUDGEMENT_REASONS = {
    "Response": (
        "Concerns were recognised by school and police and referred the same day.",
        "Early signs (missing from school, older associates) were not recognised as CSE for some months.",
    ),
    "Assessment": (
        "The screening tool was completed by every agency involved and the assessment considered family history.",
        "Only the CSE Team used the screening tool; other agencies' assessments did not consider CSE.",
    ),
    "Planning": (
        "One multi-agency plan with named leads, reviewed at each CSE meeting.",
        "Each agency had its own plan; no contingency plan for missing episodes.",
    ),
    "Intervention": (
        "A consistent key worker persevered and the young person engaged.",
        "Support was offered but not followed up when the young person did not attend.",
    ),
    "Protection": (
        "Intelligence about adults of concern was shared and disruption action taken.",
        "Information about adults of concern was not shared as intelligence.",
    ),
    "Outcomes": (
        "The young person is back in education and missing episodes have stopped.",
        "Risks remain; the young person is on a reduced timetable and still going missing.",
    ),
}
DUDLEY_OVERALL_REASONS = [
    "Good multi-agency response once CSE was identified; earlier recognition at school would have helped.",
    "Agencies focused on the offending and did not look behind the behaviour to see the exploitation.",
    "Domestic abuse at home was known to several agencies but the picture was not put together until late.",
    "Strong, persistent work by the CSE Team; the reduced timetable left the young person unsupervised for long periods.",
    "Concerns were shared appropriately and taken seriously; the young person and parent were supported throughout.",
]

DUDLEY_THEMES = [
    ("Children going missing from school repeatedly and on reduced timetables", "missing-from-school"),
    ("Drug and alcohol misuse", "drug-alcohol-misuse"),
    ("Domestic abuse and neglect within the family", "domestic-abuse-neglect"),
    ("Offending behaviour", "offending"),
    ("Displayed risky sexual behaviour", "risky-sexual-behaviour"),
]
DUDLEY_KEY_MESSAGES = [
    ("Promote", "the guide to good multi agency working"),
    ("Embed", "a shared use and understanding of the child sexual exploitation screening tool"),
    ("Share", "learning from local and national serious case reviews"),
    ("Promote", "training for practitioners to gain an understanding of child sexual exploitation"),
]
DUDLEY_MANAGER_POINTS = [
    (
        "Supervision",
        "Ensure that staff are receiving quality supervision and cases are reviewed. Staff must also be supported when working with difficult and intensive children and families",
    ),
    (
        "Reflective Practice and Challenge",
        "Ensure during supervision that staff and managers are reflecting on specific cases and practice around those and children and families. Be confident to challenge practitioner's opinions and decisions to ensure options are explored and good practice is followed",
    ),
    (
        "Good Practice",
        "Ensure that practitioners are using all available tools and resources, especially the CSE screening tool, and are making use of the training available from DSCB and partners",
    ),
]
DUDLEY_LEARNING_POINTS = [
    ("Understanding and awareness", "of sexual exploitation and the indicators should be consistent across agencies"),
    ("Information", "from different agencies should always be shared appropriately and taken seriously"),
    ("Professionals", "should look behind the young people's behaviour to find the reasons or causes"),
]
DUDLEY_PRACTITIONER_POINTS = [
    (
        "Be curious",
        "Ensure you look 'beyond' the young person's behaviour, to find out the reasons behind it and the possible explanations",
    ),
    (
        "Understand the signs",
        "Look for changes in behaviour, episodes and patterns of going missing, the child looking dishevelled and unclean, change in appearance and mature clothing, and having new possessions and gifts.",
    ),
    (
        "Understand the referral process",
        "to the relevant support services available in Dudley, If you make a referral for support or intervention for the young person, follow it up and ensure it is taken forward",
    ),
    (
        "Listen",
        "to the young person and understand what they are trying to communicate to you. They may not use the language you are expecting or may only give you part of the information, but recognise that they are confiding in you and want to talk.",
    ),
    (
        "Persevere",
        "with the child to build up that trusting and supportive relationship, with the use of tools and aids such as looking at the stages of a healthy relationship, confidence building exercises",
    ),
    (
        "The safety and wellbeing of the child",
        "should always be the priority, before gaining disclosures and before gaining a criminal conviction",
    ),
    (
        "Support",
        "the young person and their parent/s throughout the time that they receive support and intervention, contribute to joint plans and contingency plans, and seek their views",
    ),
    (
        "Keep the child in education",
        "– the less time the child is in education and on a school/college premises, the more vulnerable they are",
    ),
    (
        "Share key information",
        "across the relevant agencies and professionals working with the young person involved in or at risk of sexual exploitation. Information you may think is irrelevant or not important could form an important part of the bigger picture of that young person",
    ),
    (
        "Confidentiality",
        "Recognise when confidential information needs to be shared with other agencies, when a situation is a safeguarding issue or concern",
    ),
    (
        "Seek advice",
        "from designated safeguarding leads and specialist professionals, and share this knowledge with colleagues to support the child/young person",
    ),
]
# Illustrative (the seed lists none): (text, owner group, owner agency key, due, status, evidence of impact).
DUDLEY_RECOMMENDATIONS = [
    (
        "Relaunch the guide to good multi agency working and check its use in the next multi-agency case file audit.",
        "DSCB Performance and Quality Assurance Subgroup",
        None,
        dt.date(2018, 3, 31),
        RecommendationStatus.COMPLETE,
        "",
    ),
    (
        "Embed the CSE screening tool in every agency: practitioners complete it whenever CSE indicators are present "
        "and share it with the CSE Team.",
        "",
        "cse",
        dt.date(2018, 6, 30),
        RecommendationStatus.IN_PROGRESS,
        "",
    ),
    (
        "Share learning from local and national serious case reviews on CSE through DSCB learning briefings and "
        "practitioner forums.",
        "DSCB Learning and Development Subgroup",
        None,
        dt.date(2017, 12, 31),
        RecommendationStatus.CLOSED,
        "This learning briefing was published and discussed at three practitioner forums; the next audit found the "
        "screening tool used in four of five cases.",
    ),
    (
        "Promote DSCB CSE training to practitioners in schools, health and police, and report attendance by agency "
        "to the Board.",
        "DSCB Learning and Development Subgroup",
        None,
        dt.date(2018, 9, 30),
        RecommendationStatus.OPEN,
        "",
    ),
]

# --- The builder -------------------------------------------------------------------------------------


@dataclass
class DemoSummary:
    created: Counter = field(default_factory=Counter)
    changed: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        created = sum(self.created.values())
        changed = sum(self.changed.values())
        return f"{created} rows created, {changed} rows changed."


def _differs(obj: models.Model, name: str, value: Any) -> bool:
    model_field = obj._meta.get_field(name)
    if model_field.many_to_one or model_field.one_to_one:
        return getattr(obj, model_field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value


class _Builder:
    def __init__(self) -> None:
        self.summary = DemoSummary()
        self.today = timezone.localdate()
        self.agencies: dict[tuple[str, str], Agency] = {}
        self.users: dict[str, User] = {}
        self.risk_factors: dict[str, RiskFactor] = {}
        self.grades: dict[int, Grade] = {}

    # Writes only what differs, so that a second run leaves every row (and its history) alone.
    def sync(self, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any] | None = None):
        values = values or {}
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model._default_manager.create(**lookup, **values)
            self.summary.created[model.__name__] += 1
            return obj
        changed = [name for name, value in values.items() if _differs(obj, name, value)]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save()
            self.summary.changed[model.__name__] += 1
        return obj

    def sync_m2m(self, manager, objs: list[models.Model]) -> None:
        if {o.pk for o in objs} != set(manager.values_list("pk", flat=True)):
            manager.set(objs)
            self.summary.changed[manager.model.__name__ + " links"] += 1

    def at(self, days_ago: int, hour: int = 10) -> dt.datetime:
        day = self.today - dt.timedelta(days=days_ago)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))

    # --- shared settings ---

    def partnership(self) -> None:
        partnership = Partnership.load()
        self.sync(
            Partnership,
            {"pk": partnership.pk},
            {
                "name": PARTNERSHIP_NAME,
                "short_name": PARTNERSHIP_SHORT_NAME,
                "contact_email": PARTNERSHIP_EMAIL,
                "feedback_invitation": FEEDBACK_INVITATION,
                "training": TRAINING,
            },
        )
        for order, (name, description, phone, email, url) in enumerate(SUPPORT_CONTACTS, start=1):
            self.sync(
                SupportContact,
                {"partnership": partnership, "name": name},
                {"description": description, "phone": phone, "email": email, "url": url, "order": order},
            )
        for order, (kind, title, url, description) in enumerate(PARTNERSHIP_LINKS, start=1):
            self.sync(
                PartnershipLink,
                {"partnership": partnership, "kind": kind, "title": title},
                {"url": url, "description": description, "order": order},
            )

    def agencies_and_taxonomy(self) -> None:
        for place, table in (("bh", BH_AGENCIES), ("dudley", DUDLEY_AGENCIES)):
            for key, (name, short_name, sector) in table.items():
                self.agencies[place, key] = self.sync(
                    Agency, {"name": name}, {"short_name": short_name, "sector": sector}
                )
        for slug, name in THEMES:
            self.sync(AuditTheme, {"slug": slug}, {"name": name})
        for slug, name, description in RISK_FACTORS:
            self.risk_factors[slug] = self.sync(RiskFactor, {"slug": slug}, {"name": name, "description": description})

    def tool(self) -> tuple[ToolVersion, ToolVersion]:
        scale = self.sync(GradeScale, {"name": GRADE_SCALE_NAME})
        for rank, code, label in GRADES:
            self.grades[rank] = self.sync(
                Grade,
                {"scale": scale, "rank": rank},
                {"code": code, "label": label, "description": GRADE_DESCRIPTIONS[rank]},
            )
        tool = self.sync(AuditTool, {"name": TOOL_NAME}, {"description": TOOL_DESCRIPTION})
        v1 = self.sync(ToolVersion, {"tool": tool, "number": 1}, {"scale": scale, "notes": ""})
        v2 = self.sync(ToolVersion, {"tool": tool, "number": 2}, {"scale": scale, "notes": TOOL_V2_NOTES})
        self._sections(v1, TOOL_V1_SECTIONS, changed={}, extra=[])
        self._sections(v2, TOOL_V1_SECTIONS, changed=TOOL_V2_CHANGED_STANDARDS, extra=TOOL_V2_OUTCOMES)
        return v1, v2

    def _sections(self, version: ToolVersion, sections, *, changed: dict, extra: list) -> None:
        layout = [
            (title, description, [(code, text, guidance, AnswerType.GRADE) for code, text, guidance in standards])
            for title, description, standards in sections
        ]
        if extra:
            layout.append(("Outcomes", "What difference the work made for the young person.", extra))
        for section_order, (title, description, standards) in enumerate(layout, start=1):
            section = self.sync(
                Section, {"version": version, "order": section_order}, {"title": title, "description": description}
            )
            for order, (code, text, guidance, answer_type) in enumerate(standards, start=1):
                text, guidance = changed.get(code, (text, guidance))
                self.sync(
                    Standard,
                    {"section": section, "order": order},
                    {"code": code, "text": text, "guidance": guidance, "answer_type": answer_type},
                )

    def people(self) -> None:
        for username, (first, last, role, agency_key, job_title) in USERS.items():
            user = self.sync(
                User,
                {"username": username},
                {
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@{DEMO_EMAIL_DOMAIN}",
                    "role": role,
                    "agency": self.agencies[agency_key] if agency_key else None,
                    "job_title": job_title,
                    "is_active": True,
                    "is_staff": role == Role.ADMINISTRATOR,
                    "is_superuser": False,
                },
            )
            self.users[username] = user
        self._demo_passwords()
        permissions = list(
            Permission.objects.filter(content_type__app_label="agencies", codename__in=ADMIN_PERMISSIONS)
        )
        for app_label, codename in ADMIN_SECURITY_PERMISSIONS:
            permissions += list(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        if len(permissions) != len(ADMIN_PERMISSIONS) + len(ADMIN_SECURITY_PERMISSIONS):
            raise RuntimeError("An administrator permission is missing: are all migrations applied?")
        self.sync_m2m(self.users["admin"].user_permissions, permissions)

    def _demo_passwords(self) -> None:
        # Password hashing is slow on purpose: check each distinct stored hash once, hash "demo" once,
        # and give every demo user that one hash.
        checked: dict[str, bool] = {}
        hashed = None
        for user in self.users.values():
            if user.password not in checked:
                checked[user.password] = check_password(DEMO_PASSWORD, user.password)
            if not checked[user.password]:
                hashed = hashed or make_password(DEMO_PASSWORD)
                user.password = hashed
                user.save(update_fields=["password"])
                self.summary.changed["User password"] += 1

    # --- audits ---

    def audit(self, slug: str, values: dict[str, Any], place: str, agency_keys, cases) -> tuple[Audit, dict]:
        audit = self.sync(Audit, {"slug": slug}, values)
        # Each agency's auditor is "auditor.<agency key>" (Brighton & Hove) or "dudley.auditor.<agency key>".
        prefix = "auditor." if place == "bh" else "dudley.auditor."
        auditors = {
            username.removeprefix(prefix): user for username, user in self.users.items() if username.startswith(prefix)
        }
        for key in agency_keys:
            self.sync(AuditAgency, {"audit": audit, "agency": self.agencies[place, key]}, {"auditor": auditors[key]})
        case_objs = {}
        for order, (reference, age_band, gender, flags) in enumerate(cases, start=1):
            case = self.sync(
                Case, {"audit": audit, "reference": reference}, {"order": order, "age_band": age_band, "gender": gender}
            )
            self.sync_m2m(case.risk_factors, [self.risk_factors[slug] for slug in flags])
            case_objs[reference] = case
        return audit, case_objs

    def returns(self, audit: Audit, place: str, states: dict[str, str], cases: dict[str, Case], *, when) -> dict:
        """Every case × agency return in the state the table gives it. `when(n)` dates the n-th submission."""
        standards = list(
            Standard.objects.filter(section__version=audit.tool_version)
            .select_related("section")
            .order_by("section__order", "order")
        )
        made = {}
        for agency_no, (key, letters) in enumerate(states.items(), start=1):
            agency = self.agencies[place, key]
            auditor = AuditAgency.objects.get(audit=audit, agency=agency).auditor
            for case_no, (case, letter) in enumerate(zip(cases.values(), letters, strict=True), start=1):
                seed = case_no + agency_no
                made[key, case.reference] = self._return(
                    audit, case, agency, auditor, letter, standards, case_no, agency_no, seed, when
                )
        return made

    def _return(self, audit, case, agency, auditor, letter, standards, case_no, agency_no, seed, when) -> PartAReturn:
        status = {
            "N": ReturnStatus.NOT_STARTED,
            "D": ReturnStatus.DRAFT,
            "S": ReturnStatus.SUBMITTED,
            "R": ReturnStatus.RETURNED,
            "A": ReturnStatus.ACCEPTED,
            "X": ReturnStatus.ACCEPTED,
            "Y": ReturnStatus.SUBMITTED,
        }[letter]
        no_involvement = letter in "XY"
        started = letter != "N"
        complete = letter in "SRA"
        answers: list[tuple[Standard, int | None, bool, str]] = []
        if started and not no_involvement:
            count = len(standards) if complete else 3 + seed % 5
            for std_no, standard in enumerate(standards[:count], start=1):
                answers.append(self._answer(standard, agency, case_no, agency_no, std_no))
        ranks = sorted(rank for _s, rank, _na, _e in answers if rank)
        # The overall grade is the median of the standards' grades (the better one of a middle pair).
        overall = self.grades[ranks[(len(ranks) - 1) // 2]] if complete and ranks else None
        submitted_at = when(seed) if letter in "SRAXY" else None
        values = {
            "audit": audit,
            "tool_version": audit.tool_version,
            "status": status,
            "no_involvement": no_involvement,
            "no_involvement_reason": NO_INVOLVEMENT_REASONS[seed % len(NO_INVOLVEMENT_REASONS)]
            if no_involvement
            else "",
            "strengths": RETURN_STRENGTHS[seed % len(RETURN_STRENGTHS)] if complete else "",
            "improvements": RETURN_IMPROVEMENTS[(seed + 1) % len(RETURN_IMPROVEMENTS)] if complete else "",
            "overall_grade": overall,
            "identifiers_confirmed": letter in "SRAXY",
            "amendment_comment": AMENDMENT_COMMENTS[seed % len(AMENDMENT_COMMENTS)] if letter == "R" else "",
            "last_saved_by": auditor if started else None,
            "submitted_at": submitted_at,
            "accepted_at": submitted_at + dt.timedelta(days=2) if letter in "AX" else None,
        }
        existing = PartAReturn.objects.filter(case=case, agency=agency).first()
        if existing and any(_differs(existing, name, value) for name, value in values.items()):
            # Someone changed it since the last load: the reset is a new version, so stale forms are refused.
            values["version"] = existing.version + 1
        part_a_return = self.sync(PartAReturn, {"case": case, "agency": agency}, values)
        flags = list(case.risk_factors.all())[: 1 + seed % 3] if complete else []
        self.sync_m2m(part_a_return.risk_factors, flags)
        self._answers(part_a_return, answers)
        return part_a_return

    def _answer(self, standard: Standard, agency: Agency, case_no: int, agency_no: int, std_no: int):
        if standard.code == "PR1" and agency.sector in (Sector.HEALTH, Sector.EDUCATION):
            return standard, None, True, NOT_APPLICABLE_EVIDENCE
        # A fixed spread (mostly Good, some Requires improvement, a few at either end), the same every run.
        spread = (case_no * 7 + agency_no * 3 + std_no * 5) % 12
        rank = 1 if spread <= 1 else 2 if spread <= 8 else 3 if spread <= 10 else 4
        if case_no == 2 and std_no % 3:
            # The boy's case went less well: the seed's first recommendation is about boys and young men.
            rank = min(rank + 1, 4)
        well, not_well = EVIDENCE[standard.code]
        if standard.answer_type == AnswerType.TEXT:
            return standard, None, False, well if rank <= 2 else not_well
        return standard, rank, False, well if rank <= 2 else not_well

    def _answers(self, part_a_return: PartAReturn, answers) -> None:
        existing = {a.standard_id: a for a in part_a_return.answers.all()}
        wanted = set()
        new = []
        for standard, rank, not_applicable, evidence in answers:
            wanted.add(standard.pk)
            values = {
                "grade": self.grades[rank] if rank else None,
                "not_applicable": not_applicable,
                "evidence": evidence,
            }
            answer = existing.get(standard.pk)
            if answer is None:
                new.append(Answer(part_a_return=part_a_return, standard=standard, **values))
            elif any(_differs(answer, name, value) for name, value in values.items()):
                for name, value in values.items():
                    setattr(answer, name, value)
                answer.save()
                self.summary.changed["Answer"] += 1
        Answer.objects.bulk_create(new)
        self.summary.created["Answer"] += len(new)
        extra = [answer.pk for standard_id, answer in existing.items() if standard_id not in wanted]
        if extra:
            Answer.objects.filter(pk__in=extra).delete()
            self.summary.changed["Answer"] += len(extra)

    def finding(self, audit: Audit, kind: str, order: int, heading: str, body: str, **links) -> Finding:
        finding = self.sync(
            Finding,
            {"audit": audit, "kind": kind, "order": order},
            {"heading": heading, "body": body, "agency": links.get("agency")},
        )
        for name in ("risk_factors", "cases", "returns"):
            self.sync_m2m(getattr(finding, name), links.get(name, []))
        return finding

    # --- the two audits ---

    def brighton_and_hove(self, version: ToolVersion) -> None:
        audit, cases = self.audit(
            BH_SLUG,
            {
                "title": BH_TITLE,
                "theme": AuditTheme.objects.get(slug="cse"),
                "scope_question": BH_SCOPE,
                "context": BH_CONTEXT,
                "methodology": BH_METHODOLOGY,
                "cohort_source": BH_COHORT,
                "tool_version": version,
                "lead_officer": self.users["lead.officer"],
                "status": AuditStatus.PART_A,
                "part_a_due": self.today + dt.timedelta(days=10),
                "part_b_date": self.today + dt.timedelta(days=24),
                "what_next": BH_WHAT_NEXT,
                "created_at": self.at(40),
                "closed_at": None,
                "purged_at": None,
            },
            "bh",
            BH_AGENCIES.keys(),
            BH_CASES,
        )
        returns = self.returns(audit, "bh", BH_RETURN_STATES, cases, when=lambda n: self.at(3 + n % 7, 9 + n % 8))
        for order, (heading, body) in enumerate(BH_STRENGTHS, start=1):
            case_ref, agency_keys = BH_STRENGTH_LINKS.get(order, (None, []))
            linked = [returns[key, case_ref] for key in agency_keys]
            if any(r.status != ReturnStatus.ACCEPTED for r in linked):
                raise RuntimeError("A strength may cite accepted returns only: check BH_STRENGTH_LINKS.")
            self.finding(
                audit,
                FindingKind.STRENGTH,
                order,
                heading,
                body,
                cases=[cases[case_ref]] if case_ref else [],
                returns=linked,
            )
        for order, (kind, key, heading, body) in enumerate(BH_AGENCY_FINDINGS, start=1):
            self.finding(audit, kind, order, heading, body, agency=self.agencies["bh", key])
        for order, text in enumerate(BH_RECOMMENDATIONS, start=1):
            owner, due_in, status = BH_RECOMMENDATION_TRACKING.get(
                order, (BH_RECOMMENDATIONS_OWNER, 180, RecommendationStatus.OPEN)
            )
            self.sync(
                Recommendation,
                {"audit": audit, "order": order},
                {
                    "text": text,
                    "owner": owner,
                    "owner_agency": None,
                    "due_date": self.today + dt.timedelta(days=due_in),
                    # Reloaded on a later day, its due date moves with the day: its first one too, or every
                    # one would read as moved since, a slippage that never happened.
                    "first_due_date": self.today + dt.timedelta(days=due_in),
                    "status": status,
                    "impact_evidence": "",
                    "closed_at": None,
                },
            )

    def dudley(self, version: ToolVersion) -> None:
        audit, cases = self.audit(
            DUDLEY_SLUG,
            {
                "title": DUDLEY_TITLE,
                "theme": AuditTheme.objects.get(slug="cse"),
                "scope_question": DUDLEY_SCOPE,
                "context": DUDLEY_CONTEXT,
                "methodology": DUDLEY_METHODOLOGY,
                "cohort_source": DUDLEY_COHORT,
                "tool_version": version,
                "lead_officer": self.users["dudley.lead"],
                "status": AuditStatus.REPORTING,
                "part_a_due": DUDLEY_PART_B_DATE - dt.timedelta(days=14),
                "part_b_date": DUDLEY_PART_B_DATE,
                "what_next": DUDLEY_WHAT_NEXT,
                "created_at": timezone.make_aware(dt.datetime(2017, 4, 3, 9)),
                "closed_at": None,
                "purged_at": None,
            },
            "dudley",
            DUDLEY_AGENCIES.keys(),
            DUDLEY_CASES,
        )

        def when(n: int) -> dt.datetime:
            return timezone.make_aware(dt.datetime.combine(DUDLEY_PART_B_DATE - dt.timedelta(days=20 - n), dt.time(11)))

        self.returns(audit, "dudley", DUDLEY_RETURN_STATES, cases, when=when)
        session = self.sync(
            PartBSession,
            {"audit": audit},
            {
                "date": DUDLEY_PART_B_DATE,
                "venue": DUDLEY_VENUE,
                "chair": DUDLEY_CHAIR,
                "other_attendees": DUDLEY_OTHER_ATTENDEES,
            },
        )
        apologies = {self.agencies["dudley", key].pk for key in DUDLEY_APOLOGIES}
        for participant in audit.participants.select_related("auditor"):
            status = AttendanceStatus.APOLOGIES if participant.agency_id in apologies else AttendanceStatus.PRESENT
            attendee = Attendance.name_of(participant.auditor)
            self.sync(
                Attendance, {"session": session, "participant": participant}, {"status": status, "attendee": attendee}
            )
        sections = list(version.sections.order_by("order"))
        qa_manager = self.users["qa.manager"]
        for case_no, case in enumerate(cases.values(), start=1):
            for section in sections:
                rank = 2 if (case_no + section.order) % 3 else 3
                well, not_well = JUDGEMENT_REASONS[section.title]
                self.sync(
                    CaseJudgement,
                    {"case": case, "section": section},
                    {"grade": self.grades[rank], "reasons": well if rank <= 2 else not_well, "recorded_by": qa_manager},
                )
            self.sync(
                CaseJudgement,
                {"case": case, "section": None},
                {
                    "grade": self.grades[2 if case_no % 2 else 3],
                    "reasons": DUDLEY_OVERALL_REASONS[case_no - 1],
                    "recorded_by": qa_manager,
                },
            )
        flags = {reference: slugs for reference, _age, _gender, slugs in DUDLEY_CASES}
        for order, (text, slug) in enumerate(DUDLEY_THEMES, start=1):
            linked = [case for reference, case in cases.items() if slug in flags[reference]]
            self.finding(
                audit, FindingKind.THEME, order, "", text, risk_factors=[self.risk_factors[slug]], cases=linked
            )
        for kind, items in (
            (FindingKind.KEY_MESSAGE, DUDLEY_KEY_MESSAGES),
            (FindingKind.MANAGER_POINT, DUDLEY_MANAGER_POINTS),
            (FindingKind.LEARNING_POINT, DUDLEY_LEARNING_POINTS),
            (FindingKind.PRACTITIONER_POINT, DUDLEY_PRACTITIONER_POINTS),
        ):
            for order, (heading, body) in enumerate(items, start=1):
                self.finding(audit, kind, order, heading, body)
        for order, (text, owner, agency_key, due, status, impact) in enumerate(DUDLEY_RECOMMENDATIONS, start=1):
            self.sync(
                Recommendation,
                {"audit": audit, "order": order},
                {
                    "text": text,
                    "owner": owner,
                    "owner_agency": self.agencies["dudley", agency_key] if agency_key else None,
                    "due_date": due,
                    "first_due_date": due,
                    "status": status,
                    "impact_evidence": impact,
                    "closed_at": timezone.make_aware(dt.datetime.combine(due, dt.time(12)))
                    if status == RecommendationStatus.CLOSED
                    else None,
                },
            )


def demo_load() -> DemoSummary:
    """Build the demo partnership, or bring it back to its demo state. Safe to run again."""
    builder = _Builder()
    with transaction.atomic():
        builder.partnership()
        builder.agencies_and_taxonomy()
        v1, v2 = builder.tool()
        builder.people()
        builder.brighton_and_hove(v1)
        builder.dudley(v2)
    return builder.summary
