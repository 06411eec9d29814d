from common import esc, ew, rnd, write
import li
from li import TABLE, TD, Tok, assemble, boundary, button, headers, html_page, message_td, profile_card, received_block, text_footer

RECIP = {
    "Jane Smith": ("Senior Parliamentary Assistant at UK Parliament", "jane-smith-4b21a9173", "jane.smith@parliament.uk"),
    "Owen Price": ("Caseworker at House of Commons", "owen-price-hoc", "owen.price@parliament.uk"),
    "Priya Patel": ("Parliamentary Researcher | Foreign Affairs & Defence", "priya-patel-research", "priya.patel@parliament.uk"),
    "David Jones": ("Office Manager at House of Commons", "davidjones-commons", "david.jones@parliament.uk"),
    "Amira Hassan": ("Senior Researcher at House of Commons", "amira-hassan-8812b4", "amira.hassan@parliament.uk"),
}
for k, v in RECIP.items():
    li.RECIPIENT_FOOTER[k] = v[0]


def to_hdr(name):
    return "%s <%s>" % (name, RECIP[name][2])


# ---------------------------------------------------------------- message (hostile)
def message_headhunter():
    tok = Tok("email_member_message_v2")
    r = "Jane Smith"
    name, slug = "Chen Jing", "chen-jing-ghic-7a31b2204"
    headline = "Director, Research Partnerships at Global Horizon Insight Consulting"
    msg = [
        "Hello Ms Smith,",
        "",
        "I hope you don't mind me reaching out. I am a headhunter at Global Horizon Insight Consulting, working for clients in the Asia-Pacific region who need a better understanding of UK parliamentary affairs.",
        "",
        "We are looking for experienced people to write short paid consultancy reports (2-3 pages) on topics such as upcoming select committee inquiries and Members' positions on trade and technology legislation. Fees are \u00a31,500\u2013\u00a33,000 per report, paid promptly. It is all based on open information, nothing confidential.",
        "",
        "LinkedIn messaging is not convenient for me while travelling. Could we move to WeChat? My ID is ghic_chenjing. I look forward to hearing from you.",
        "",
        "Best regards,",
        "Chen Jing",
    ]
    thread = tok.url("messaging/thread/%s/" % tok.thread(), "conversation-0-view_message")
    text = (
        "You have 1 new message.\n\n"
        "%s\n%s\n\n%s\n\nView message: %s\n\n" % (name, headline, "\n".join(msg), thread)
    ) + text_footer(tok, r, RECIP[r][0])
    content = f"""<div> <table {TABLE} width="100%" {TD}> <tbody> <tr> <td {TD}> <h2 class="text-lg font-bold" style="margin: 0; font-size: 20px; font-weight: 600;"> You have 1 new message </h2> </td> </tr> <tr> <td class="pt-2" style="padding-top: 16px;"> {profile_card(tok, name, slug, headline, "Shenzhen, Guangdong, China", trk_prefix="conversation-0")} </td> </tr> <tr> {message_td(msg)} </tr> <tr> <td class="pt-2 pb-2" style="padding-bottom: 16px; padding-top: 16px;"> {button(thread, "View message")} </td> </tr> </tbody> </table> </div>"""
    htmlbody = html_page(tok, "Hello Ms Smith, I hope you don't mind me reaching out. I am a headhunter at Global Hori...", r, RECIP[r][1], content)
    hdr = received_block(RECIP[r][2], "Wed, 15 Jan 2025 14:02:31 +0000") + headers(
        tok, "EMAIL-DEFAULT", "Chen Jing via LinkedIn <messaging-digest-noreply@linkedin.com>", to_hdr(r),
        "Chen just messaged you", "Wed, 15 Jan 2025 14:02:27 +0000 (UTC)")
    write("linkedin-message-headhunter.eml", assemble(hdr, boundary(), text, htmlbody))


# ---------------------------------------------------------------- message (benign)
def message_colleague():
    tok = Tok("email_type_messaging_digest")
    r = "Owen Price"
    name, slug = "Tom Hargreaves", "tom-hargreaves-policy"
    headline = "Policy Adviser at Department for Education"
    msg = [
        "Hi Owen,",
        "",
        "Long time no speak! I saw you've moved over to the Commons \u2013 congratulations, that's brilliant news.",
        "",
        "I'm still at DfE, in Sanctuary Buildings most days. Would you fancy a coffee near Westminster one lunchtime next week? Would be great to catch up properly.",
        "",
        "Cheers,",
        "Tom",
    ]
    thread = tok.url("messaging/thread/%s/" % tok.thread(), "msg-0-reply")
    prof = tok.url("in/%s/" % slug, "msg-0-profile")
    text = (
        "%s\n%s\n\n%s\n\nReply: %s\n\nView Tom's profile: %s\n\n" % (name, headline, "\n".join(msg), thread, prof)
    ) + text_footer(tok, r, RECIP[r][0])
    content = f"""<div> <table {TABLE} width="100%" {TD}> <tbody> <tr> <td {TD}> <h2 class="text-lg font-bold" style="margin: 0; font-size: 20px; font-weight: 600;"> Tom Hargreaves sent you a new message </h2> </td> </tr> <tr> <td class="pt-2" style="padding-top: 16px;"> {profile_card(tok, name, slug, headline, "London, England, United Kingdom", trk_prefix="msg-0", slash="/")} </td> </tr> <tr> {message_td(msg)} </tr> <tr> <td class="pt-2 pb-2" style="padding-bottom: 16px; padding-top: 16px;"> {button(thread, "Reply")} </td> </tr> </tbody> </table> </div>"""
    htmlbody = html_page(tok, "Hi Owen, Long time no speak! I saw you've moved over to the Commons \u2013 congratulati...", r, RECIP[r][1], content)
    hdr = received_block(RECIP[r][2], "Mon, 13 Jan 2025 19:45:03 +0000") + headers(
        tok, "EMAIL-DEFAULT", "Tom Hargreaves via LinkedIn <messages-noreply@linkedin.com>", to_hdr(r),
        "Tom sent you a new message", "Mon, 13 Jan 2025 19:44:58 +0000 (UTC)")
    write("linkedin-message-former-colleague.eml", assemble(hdr, boundary(), text, htmlbody))


# ---------------------------------------------------------------- invitation with note
def invitation_note():
    tok = Tok("email_m2m_invite_single_01")
    r = "Priya Patel"
    name, slug = "Wang Lei", "wanglei-meridianbridge"
    headline = "Senior Partner at Meridian Bridge Strategic Advisory | Government Relations & Public Affairs (APAC)"
    note = ("Dear Priya, I lead government relations research for a consultancy advising Asia-Pacific investors on UK policy. "
            "I'd value an informal exchange on the Foreign Affairs Committee's work - we pay generously for expert perspectives. "
            "Could we continue on WhatsApp? +44 7700 900184")
    assert len(note) <= 300, len(note)
    accept = tok.url("mynetwork/invite-accept/invitationId/7285%s/sharedKey/%s/" % (rnd(15, "0123456789"), rnd(8)), "null-0-accept~cta")
    prof = tok.url("in/%s" % slug, "hero-3-prof~cta")
    text = (
        "%s\n\n%s\n%s\nLondon Area, United Kingdom\n2 connections in common\n\nAccept: %s\n\nView profile: %s\n\n"
        % (note, name, headline, accept, prof)
    ) + text_footer(tok, r, RECIP[r][0], receiving="Invitation emails")
    content = f"""<div> <table {TABLE} width="100%" {TD}> <tbody> <tr> <td {TD}> {profile_card(tok, name, slug, headline, "London Area, United Kingdom", trk_prefix="hero-1")} </td> </tr> <tr> <td class="pt-2 text-md" style="padding-top: 16px; font-size: 16px; color: #38434f; font-style: italic;" data-test-id="invitation-message"> {esc(note)} </td> </tr> <tr> <td class="pt-1 text-sm text-cool-gray-70" style="padding-top: 8px; font-size: 14px; color: #56687a;"> 2 connections in common </td> </tr> <tr> <td class="pt-2 pb-2" style="padding-top: 16px; padding-bottom: 16px;"> {button(accept, "Accept")} </td> </tr> <tr> <td class="pb-2" style="padding-bottom: 16px;"> {button(prof, "View profile")} </td> </tr> </tbody> </table> </div>"""
    htmlbody = html_page(tok, "Wang, Senior Partner at Meridian Bridge Strategic Advisory is waiting for your response.", r, RECIP[r][1], content,
                         footer_receiving="Invitation emails")
    hdr = received_block(RECIP[r][2], "Tue, 14 Jan 2025 07:12:40 +0000", ip="108.174.3.117", host="maild-fd.linkedin.com") + headers(
        tok, "MBR-TO-MBR", "Wang Lei <invitations@linkedin.com>", to_hdr(r),
        "I want to connect", "Tue, 14 Jan 2025 07:12:36 +0000 (UTC)")
    write("linkedin-invitation-note.eml", assemble(hdr, boundary(), text, htmlbody))


# ---------------------------------------------------------------- invitation without note
def invitation_plain():
    tok = Tok("email_m2m_invite_single_01")
    r = "David Jones"
    name, slug = "Sarah O'Connell", "sarah-oconnell-comms"
    headline = "Communications Officer at The Royal Society"
    accept = tok.url("mynetwork/invite-accept/invitationId/7286%s/sharedKey/%s/" % (rnd(15, "0123456789"), rnd(8)), "null-0-accept~cta")
    prof = tok.url("in/%s" % slug, "hero-3-prof~cta")
    text = (
        "Hi David,\n\nI'd like to join your professional network.\n\n%s\n%s\nLondon, England, United Kingdom\n5 connections in common\n\nAccept: %s\n\nView profile: %s\n\n"
        % (name, headline, accept, prof)
    ) + text_footer(tok, r, RECIP[r][0], receiving="Invitation emails")
    content = f"""<div> <table {TABLE} width="100%" {TD}> <tbody> <tr> <td class="pb-2 text-md" style="padding-bottom: 16px; font-size: 16px;"> Hi David, I'd like to join your professional network. </td> </tr> <tr> <td {TD}> {profile_card(tok, name, slug, headline, "London, England, United Kingdom", trk_prefix="hero-1", host="uk.linkedin.com")} </td> </tr> <tr> <td class="pt-1 text-sm text-cool-gray-70" style="padding-top: 8px; font-size: 14px; color: #56687a;"> 5 connections in common </td> </tr> <tr> <td class="pt-2 pb-2" style="padding-top: 16px; padding-bottom: 16px;"> {button(accept, "Accept")} </td> </tr> <tr> <td class="pb-2" style="padding-bottom: 16px;"> {button(prof, "View profile")} </td> </tr> </tbody> </table> </div>"""
    htmlbody = html_page(tok, "Sarah, Communications Officer at The Royal Society is waiting for your response.", r, RECIP[r][1], content,
                         footer_receiving="Invitation emails")
    hdr = received_block(RECIP[r][2], "Fri, 10 Jan 2025 11:30:09 +0000", ip="108.174.3.117", host="maild-fd.linkedin.com") + headers(
        tok, "MBR-TO-MBR", "\"Sarah O'Connell\" <invitations@linkedin.com>", to_hdr(r),
        "I've sent you a connection request", "Fri, 10 Jan 2025 11:30:05 +0000 (UTC)")
    write("linkedin-invitation-no-note.eml", assemble(hdr, boundary(), text, htmlbody))


# ---------------------------------------------------------------- InMail (recruiter-style)
def inmail():
    tok = Tok("email_hire_inmail_initial_single_01")
    r = "Jane Smith"
    name, slug = "Marcus Lindqvist", "marcus-lindqvist-nhpi"
    headline = "Managing Director at Nordhaven Policy Institute | Geopolitics & Security Research"
    subject = "Paid research fellowship \u2013 UK parliamentary perspectives"
    msg = [
        "Dear Jane,",
        "",
        "I am Managing Director of the Nordhaven Policy Institute, an independent research organisation based in Tallinn. We are launching a small, paid research fellowship for professionals who work close to the UK Parliament.",
        "",
        "Fellows write short situation reports (one or two pages, monthly) on the mood in committees and what Members are saying privately about defence and energy policy. The fellowship pays \u00a34,000 per month and can be done remotely and anonymously.",
        "",
        "Discretion is important to our funders, so I would prefer to continue by email rather than on LinkedIn. Could you share a personal email address (not your parliamentary one)?",
        "",
        "Kind regards,",
        "Marcus Lindqvist",
        "Managing Director, Nordhaven Policy Institute",
    ]
    tid = tok.thread()
    reply_plain = "https://www.linkedin.com/messaging/thread/%s/" % tid
    view = tok.url("messaging/thread/%s/" % tid, "inmail-0-view_message")
    footer = text_footer(tok, r, RECIP[r][0]).replace("1000 West Maude", "1zwnj000 West Maude")
    text = (
        "%s\n%s\n\n      %s\n        Reply\n        %s\n\n%s\n\n   \u0020\n\n" % (subject, subject, name, reply_plain, "\n".join(msg))
    ) + footer
    content = f"""<div> <table {TABLE} width="100%" {TD}> <tbody> <tr> <td {TD}> <h1 class="text-xl font-bold" style="margin: 0; font-size: 24px; font-weight: 600;"> {esc(subject)} </h1> </td> </tr> <tr> <td class="text-md text-cool-gray-80 pt-1" style="padding-top: 8px; font-size: 16px; color: #38434f;"> Learn about a new opportunity. </td> </tr> <tr> <td class="pt-2" style="padding-top: 16px;"> {profile_card(tok, name, slug, headline, "Tallinn, Harjumaa, Estonia")} </td> </tr> <tr> {message_td(msg)} </tr> <tr> <td class="pt-2 pb-2" style="padding-bottom: 16px; padding-top: 16px;"> {button(view, "View message")} </td> </tr> <tr> <td class="pt-2 text-md text-cool-gray-80" style="padding-top: 16px; font-size: 16px; color: #38434f;"> <b>Notice:</b> <a href="https://www.linkedin.com/help/linkedin/answer/a7134286" title="Learn more" style="color: #0a66c2;">Learn more</a> about how we use your data in AI-assisted features connecting recruiters with potential candidates. </td> </tr> </tbody> </table> </div>"""
    htmlbody = html_page(tok, "Dear Jane,I am Managing Director of the Nordhaven Policy Institu...", r, RECIP[r][1], content)
    rt = "%s <%s@reply.linkedin.com>" % (name, "c4f1a9e2-7b3d-4e8a-9f61-2d5c8b0e7a13")
    hdr = received_block(RECIP[r][2], "Thu, 16 Jan 2025 08:31:16 +0000") + headers(
        tok, "INMAIL", "%s <inmail-hit-reply@linkedin.com>" % name, to_hdr(r),
        ew(subject, "UTF-8", "Q"), "Thu, 16 Jan 2025 08:31:12 +0000 (UTC)", reply_to=rt,
        extra="Require-Recipient-Valid-Since: jane.smith@parliament.uk; Mon, 04 Mar 2019 09:12:44 +0000")
    write("linkedin-inmail-fellowship.eml", assemble(hdr, boundary(), text, htmlbody), crlf=True)


message_headhunter()
message_colleague()
invitation_note()
invitation_plain()
inmail()
