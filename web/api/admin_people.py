"""The admin console's teams and agents over HTTP: thin views over inbox.admin.teams and .people."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, jsonify, request
from flask_babel import get_locale

from inbox.admin import people, teams
from inbox.admin.invite_mail import Smtp, send_invite
from web.api import endpoint, json_body, parse
from web.api.admin_schemas import (
    AdminTeam,
    AdminTeamList,
    AgentPatch,
    Invited,
    InviteIn,
    Person,
    PersonList,
    TeamIn,
    TeamPatch,
)
from web.auth import inbox


@endpoint(
    "/admin/teams", ["GET"], "Teams with members, routing strategy and queue length", response=AdminTeamList
)
def list_teams() -> Any:
    """Every team, archived ones last; `queued` counts its open conversations that nobody holds."""
    return jsonify({"teams": teams.listing(inbox(), g.agent_id)})


@endpoint(
    "/admin/teams", ["POST"], "Create a team", body=TeamIn, status=201, response=AdminTeam, errors=(409,)
)
def create_team() -> Any:
    """A name no other team has (any case), and how its conversations are routed."""
    b = parse(TeamIn, json_body())
    return jsonify(teams.create(inbox(), g.agent_id, b.name, b.routing_strategy, b.default_language)), 201


@endpoint(
    "/admin/teams/<int:team_id>",
    ["PATCH"],
    "Rename, route, archive or restore a team, or set its members",
    body=TeamPatch,
    response=AdminTeam,
    errors=(409,),
)
def patch_team(team_id: int) -> Any:
    """Only the fields given change; `member_ids` replaces the members. An archived team takes no
    members (409). Every change is in the audit log."""
    b = parse(TeamPatch, json_body())
    language = b.default_language if "default_language" in b.model_fields_set else teams.UNSET
    return jsonify(
        teams.change(
            inbox(), g.agent_id, team_id, b.name, b.routing_strategy, b.archived, b.member_ids, language
        )
    )


@endpoint(
    "/admin/agents", ["GET"], "Agents with role, teams, capacity, languages and load", response=PersonList
)
def list_agents() -> Any:
    """Every agent, active ones first; `open` is how many unresolved conversations they hold."""
    return jsonify({"agents": people.listing(inbox(), g.agent_id)})


@endpoint(
    "/admin/agents/invite",
    ["POST"],
    "Invite an agent (a one-time link to choose a password)",
    body=InviteIn,
    status=201,
    response=Invited,
    errors=(404, 409),
)
def invite_agent() -> Any:
    """The link is in this answer only (and in a mail when SMTP is configured); it works once, for 7 days."""
    b = parse(InviteIn, json_body())
    person, secret = people.invite(
        inbox(), g.agent_id, b.email, b.name, b.role, b.team_ids, b.languages, b.capacity
    )
    url, mailed, mail_error = _send_link(person, secret)
    return jsonify({"agent": person, "invite_url": url, "mailed": mailed, "mail_error": mail_error}), 201


def _send_link(person: dict[str, Any], secret: str) -> tuple[str, bool, str | None]:
    """The link's URL, and whether it was mailed (SMTP configured) or why not."""
    url = request.host_url.rstrip("/") + "/invite/" + secret
    config = current_app.extensions["murmur.config"]
    mailed, mail_error = False, None
    if config.smtp_host:
        smtp = Smtp(
            config.smtp_host,
            config.smtp_port,
            config.smtp_sender,
            config.smtp_username,
            config.smtp_password,
            config.smtp_starttls,
        )
        # in the invitee's language: their profile's, their team's default, else the inviting admin's
        mail_error = send_invite(inbox(), smtp, person["id"], url, g.agent_id, str(get_locale() or "en"))
        mailed = mail_error is None
    return url, mailed, mail_error


@endpoint(
    "/admin/agents/<int:agent_id>/password-link",
    ["POST"],
    "A new one-time link for an agent to choose a password",
    response=Invited,
    errors=(409,),
)
def password_link(agent_id: int) -> Any:
    """For an invite that expired or a forgotten password: any earlier link stops working; the
    current password keeps working until the link is used. Mailed when SMTP is configured."""
    person, secret = people.new_link(inbox(), g.agent_id, agent_id)
    url, mailed, mail_error = _send_link(person, secret)
    return jsonify({"agent": person, "invite_url": url, "mailed": mailed, "mail_error": mail_error})


@endpoint(
    "/admin/agents/<int:agent_id>",
    ["PATCH"],
    "Change an agent's role, capacity, languages, teams or state",
    body=AgentPatch,
    response=Person,
    errors=(409,),
)
def patch_agent(agent_id: int) -> Any:
    """`active: false` deactivates: sign-in and tokens stop working and their open conversations are
    routed again at once; `active: true` reactivates. You cannot deactivate or demote yourself (409)."""
    b = parse(AgentPatch, json_body())
    return jsonify(
        people.change(
            inbox(),
            g.agent_id,
            agent_id,
            name=b.name,
            role=b.role,
            capacity=b.capacity,
            languages=b.languages,
            team_ids=b.team_ids,
            active=b.active,
        )
    )
