"""Bodies, queries and answers of the admin console's endpoints (teams, agents, tokens, audit, canned).

Bodies are strict (an unknown field is a 400) and every string and list is bounded by what its
column can hold; the answers are described for /api/openapi.json and checked by Schemathesis.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from inbox.store.models import Agent, CannedResponse
from web.api.schemas import Open
from web.api.validation import STRICT_BODY, ColumnStr, Id, QueryModel, Time

Strategy = Literal["round_robin", "least_loaded"]
RoleName = Literal["admin", "supervisor", "agent"]
Scope = Literal["read", "write", "admin"]
# a language tag as the scorers and agents use them: en, th, zh-Hans
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$"
Language = Annotated[str, StringConstraints(max_length=20, pattern=LANGUAGE_PATTERN)]
Capacity = Annotated[int, Field(ge=0, le=1000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern="^[^\u0000]*\\S[^\u0000]*$")]


TeamLanguage = Literal["en", "th", "zh-Hant", "zh-Hans"] | None


class TeamIn(BaseModel):
    model_config = STRICT_BODY
    name: Name
    routing_strategy: Strategy = "round_robin"
    default_language: TeamLanguage = Field(
        default=None,
        description="what its customers are written to in when their language has no translation",
    )


class TeamPatch(BaseModel):
    model_config = STRICT_BODY
    name: Name | None = None
    routing_strategy: Strategy | None = None
    archived: bool | None = None
    member_ids: list[Id] | None = Field(default=None, max_length=1000)
    default_language: TeamLanguage = Field(
        default=None, description="null clears it; leave it out to keep it"
    )


class InviteIn(BaseModel):
    model_config = STRICT_BODY
    email: Annotated[
        str, StringConstraints(min_length=3, max_length=254, pattern="^[^@\\s\u0000]+@[^@\\s\u0000]+$")
    ]
    name: ColumnStr(Agent.name) = ""
    role: RoleName = "agent"
    team_ids: list[Id] = Field(default_factory=list, max_length=100)
    languages: list[Language] = Field(default_factory=lambda: ["en"], max_length=20)
    capacity: Capacity = 10


class AgentPatch(BaseModel):
    model_config = STRICT_BODY
    name: ColumnStr(Agent.name) | None = None
    role: RoleName | None = None
    capacity: Capacity | None = None
    languages: list[Language] | None = Field(default=None, max_length=20)
    team_ids: list[Id] | None = Field(default=None, max_length=100)
    active: bool | None = None


class TokenIn(BaseModel):
    model_config = STRICT_BODY
    name: Name
    scopes: list[Scope] = Field(min_length=1, max_length=3)
    expires_at: Time | None = None
    agent_id: Id | None = Field(default=None, description="whose token; yourself when left out")


class AuditQuery(QueryModel):
    actor_id: Id | None = Field(default=None, description="only entries made by this agent")
    target: Annotated[str, StringConstraints(max_length=100, pattern=r"^[a-z_]+(:[0-9]{1,10})?$")] | None = (
        Field(default=None, description="an object (`team:3`) or a kind of object (`team`)")
    )
    action: Annotated[str, StringConstraints(max_length=60, pattern=r"^[a-z_.]+$")] | None = Field(
        default=None, description="an action (`token.revoked`) or a family of them ending in a dot (`token.`)"
    )
    since: Time | None = None
    until: Time | None = None
    before_id: Id | None = Field(default=None, description="paging: `next_before_id` of the previous page")
    limit: int = Field(default=50, ge=1, le=200)


class CannedIn(BaseModel):
    model_config = STRICT_BODY
    shortcut: Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[\w.-]+$")]
    text: ColumnStr(CannedResponse.text, 1)
    team_id: Id | None = Field(default=None, description="offered to this team's agents only; null: everyone")
    variants: dict[Language, ColumnStr(CannedResponse.text, 1)] = Field(
        default_factory=dict,
        max_length=30,
        description="language code -> the text in that language",
        json_schema_extra={"propertyNames": {"pattern": LANGUAGE_PATTERN, "maxLength": 20}},
    )


# --- answers ----------------------------------------------------------------------------------


class Member(Open):
    id: int
    name: str
    email: str
    capacity: int
    languages: list[str]


class Waiting(Open):
    id: int
    subject: str
    queue_reason: str


class AdminTeam(Open):
    id: int
    name: str
    routing_strategy: Strategy
    default_language: str | None = None
    archived: bool
    archived_at: str | None
    members: list[Member]
    queued: int
    waiting: list[Waiting] = Field(default_factory=list, description="the newest few waiting, with why")


class AdminTeamList(Open):
    teams: list[AdminTeam]


class TeamRef(Open):
    id: int
    name: str


class Person(Open):
    id: int
    email: str
    name: str
    role: RoleName
    teams: list[TeamRef]
    languages: list[str]
    capacity: int
    presence: str
    active: bool
    invited: bool
    open: int


class PersonList(Open):
    agents: list[Person]


class Invited(Open):
    agent: Person
    invite_url: str = Field(description="the one-time link; shown only in this answer")
    mailed: bool
    mail_error: str | None


class AgentRef(Open):
    id: int
    name: str
    email: str


class Token(Open):
    id: int
    name: str
    agent: AgentRef
    scopes: list[Scope] | None = Field(description="null: a token from before scopes, with every power")
    created_at: str
    expires_at: str | None
    last_used_at: str | None
    revoked_at: str | None
    state: Literal["active", "expired", "revoked"]


class NewToken(Token):
    secret: str = Field(description="the bearer token; shown only in this answer")


class TokenList(Open):
    tokens: list[Token]


class AuditEntry(Open):
    id: int
    at: str
    actor: AgentRef | None
    action: str
    target: str
    details: dict[str, Any]


class AuditPage(Open):
    entries: list[AuditEntry]
    next_before_id: int | None


class Canned(Open):
    id: int
    shortcut: str
    text: str
    team_id: int | None
    variants: dict[str, str]


class CannedList(Open):
    canned_responses: list[Canned]
