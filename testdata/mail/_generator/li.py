"""LinkedIn notification e-mail builders (structure modelled on real 2016-2026 samples)."""
import base64
import uuid

from common import esc, qp, rnd


class Tok:
    def __init__(self, tmpl):
        self.tmpl = tmpl
        self.mid = "AQ" + rnd(12)
        self.sig = rnd(12) + "41"
        a, b, c = rnd(6, "abcdefghijklmnopqrstuvwxyz0123456789"), rnd(8, "abcdefghijklmnopqrstuvwxyz0123456789"), rnd(2, "abcdefghijklmnopqrstuvwxyz0123456789")
        self.eid = "%s-%s-%s" % (a, b, c)
        self.eidt = "%s~%s~%s" % (a, b, c)
        self.lipi = "urn%%3Ali%%3Apage%%3Aemail_%s%%3B%s%%3D%%3D" % (tmpl, rnd(22))
        self.fbl = "m2-" + rnd(100, "abcdefghijklmnopqrstuvwxyz0123456789")
        self.loid = "AQ" + rnd(86)

    def url(self, path, trk, host="www.linkedin.com", comm=True, extra=""):
        pre = "comm/" if comm else ""
        q = "lipi=%s&midToken=%s&midSig=%s&trk=eml-%s-%s&trkEmail=eml-%s-%s-null-%s-null-null&eid=%s%s" % (
            self.lipi, self.mid, self.sig, self.tmpl, trk, self.tmpl, trk, self.eidt, self.eid, extra)
        sep = "&" if "?" in path else "?"
        return "https://%s/%s%s%s%s" % (host, pre, path, sep, q)

    def help_url(self, article, trk):
        return "https://www.linkedin.com/help/linkedin/answer/%s?lang=en&lipi=%s&midToken=%s&midSig=%s&trk=eml-%s-%s&trkEmail=eml-%s-%s-null-%s-null-null&eid=%s" % (
            article, self.lipi, self.mid, self.sig, self.tmpl, trk, self.tmpl, trk, self.eidt, self.eid)

    def unsub(self, trk):
        return self.url("psettings/email-unsubscribe", trk, extra="&loid=" + self.loid)

    def thread(self):
        tid = "2-" + base64.b64encode((str(uuid.UUID(int=random_int())) + "_100").encode()).decode()
        return tid


def random_int():
    import random
    return random.getrandbits(128)


def headers(tok, cls, frm, to, subject, date, msgid_host="ltx1-app", reply_to=None, extra=""):
    import random
    app = "%s%d.prod.linkedin.com" % (msgid_host, random.randint(10000, 99999))
    mid = "<%d.%d.%d@%s>" % (random.randint(100000000, 2099999999), random.randint(30000000, 39999999), 1736900000000 + random.randint(0, 99999999), app)
    h = []
    h.append("Date: %s" % date)
    h.append("From: %s" % frm)
    h.append("Message-ID: %s" % mid)
    h.append("Subject: %s" % subject)
    h.append("MIME-Version: 1.0")
    h.append('Content-Type: multipart/alternative; \n\tboundary="{BOUNDARY}"')
    h.append("To: %s" % to)
    h.append("X-LinkedIn-Class: %s" % cls)
    h.append("X-LinkedIn-Template: %s" % tok.tmpl)
    h.append("X-LinkedIn-fbl: %s" % tok.fbl)
    h.append("X-LinkedIn-Id: %s" % tok.eid)
    h.append("List-Unsubscribe: <%s>" % tok.unsub("unsub-0-unsub"))
    h.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    if reply_to:
        h.append("Reply-To: \n\t%s" % reply_to)
    if extra:
        h.append(extra.rstrip("\n"))
    return "\n".join(h)


def received_block(rcpt, date_local, ip="108.174.0.145", host="mailb-ga.linkedin.com"):
    bounce = "m-" + rnd(60, "abcdefghijklmnopqrstuvwxyz0123456789")
    return (
        "Return-Path: <%s@bounce.linkedin.com>\n"
        "Received: from %s (%s [%s])\n"
        " by mx1.parliament.uk with ESMTPS id 4Yc9Tq2Lk3z1xRv\n"
        " for <%s>; %s\n"
        "Authentication-Results: mx1.parliament.uk;\n"
        " dkim=pass header.d=linkedin.com header.s=d2048-202308-00;\n"
        " spf=pass (mx1.parliament.uk: domain of bounce.linkedin.com designates %s as permitted sender) smtp.mailfrom=%s@bounce.linkedin.com;\n"
        " dmarc=pass (p=REJECT) header.from=linkedin.com\n"
    ) % (bounce, host, host, ip, rcpt, date_local, ip, bounce)


def text_footer(tok, recipient, rheadline, receiving="LinkedIn notification emails", year=2025):
    return (
        "----------------------------------------\n"
        "\n"
        "This email was intended for %s (%s)\n"
        "Learn why we included this: %s\n"
        "You are receiving %s.\n"
        "\n"
        "Unsubscribe: %s\n"
        "Help: %s\n"
        "\n"
        "\u00a9 %d LinkedIn Corporation, 1000 West Maude Avenue, Sunnyvale, CA 94085.\n"
        "LinkedIn and the LinkedIn logo are registered trademarks of LinkedIn.\n"
    ) % (recipient, rheadline, tok.help_url("4788", "SecurityHelp-0-textfooterglimmer"), receiving,
         tok.unsub("unsubscribe-0-textfooterglimmer"), tok.help_url("67", "help-0-textfooterglimmer"), year)


TD = 'style="-webkit-text-size-adjust: 100%; -ms-text-size-adjust: 100%; mso-table-lspace: 0pt; mso-table-rspace: 0pt;"'
TABLE = 'role="presentation" valign="top" border="0" cellspacing="0" cellpadding="0"'
A = 'target="_blank" style="color: #0a66c2; cursor: pointer; display: inline-block; text-decoration: none; -webkit-text-size-adjust: 100%; -ms-text-size-adjust: 100%;"'


def html_page(tok, preheader, recipient, recipient_slug, content, footer_receiving="LinkedIn notification emails", year=2025, header_host="uk.linkedin.com"):
    filler = " ".join(["\u034f&nbsp;\u034f&nbsp;\u034f&nbsp;\u034f&nbsp;\u034f&nbsp;"] * 6)
    me = tok.url("in/%s" % recipient_slug, "header-0-profile_glimmer", host=header_host)
    home = tok.url("feed/", "header-0-home_glimmer")
    return f"""<html xmlns="http://www.w3.org/1999/xhtml" lang="en" xml:lang="en"> <head> <meta http-equiv="Content-Type" content="text/html;charset=utf-8"> <meta name="HandheldFriendly" content="true"> <meta name="viewport" content="width=device-width; initial-scale=0.666667; user-scalable=0"> <meta name="viewport" content="width=device-width"> <title></title> <style>
              @media (max-width: 512px) {{ .mercado-container {{ width: 100% !important; }} }}
            </style> <style>body {{font-family: -apple-system, system-ui, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue',
            'Fira Sans', Ubuntu, Oxygen, 'Oxygen Sans', Cantarell, 'Droid Sans', 'Apple Color Emoji', 'Segoe UI Emoji',
            'Segoe UI Emoji', 'Segoe UI Symbol', 'Lucida Grande', Helvetica, Arial, sans-serif;}}</style> <!--[if mso]><style type="text/css"> </style><![endif]--> </head> <body dir="ltr" class="font-sans bg-color-background-canvas w-full m-0 p-0 pt-1" style="-webkit-text-size-adjust: 100%; -ms-text-size-adjust: 100%; margin: 0px; width: 100%; background-color: #f3f2f0; padding: 0px; padding-top: 8px;"> <div class="h-0 opacity-0 text-transparent invisible overflow-hidden w-0 max-h-[0]" style="visibility: hidden; height: 0px; max-height: 0; width: 0px; overflow: hidden; opacity: 0; mso-hide: all;" data-email-preheader="true">{esc(preheader)}</div> <div class="h-0 opacity-0 text-transparent invisible overflow-hidden w-0 max-h-[0]" style="visibility: hidden; height: 0px; max-height: 0; width: 0px; overflow: hidden; opacity: 0; mso-hide: all;"> {filler} </div> <table {TABLE} width="512" align="center" class="mercado-container w-[512px] max-w-[512px] mx-auto my-0 p-0 " style="margin-left: auto; margin-right: auto; width: 512px; max-width: 512px; padding: 0px;"> <tbody> <tr> <td {TD}> <table {TABLE} width="100%" class="bg-color-background-container " style="background-color: #ffffff;"> <tbody> <tr> <td class="text-center p-3" style="padding: 24px; text-align: center;"> <table {TABLE} width="100%" class="min-w-full" style="min-width: 100%;"> <tbody> <tr> <td align="left" valign="middle" {TD}> <a href="{esc(home)}" target="_blank" class="w-[84px]" style="color: #0a66c2; cursor: pointer; display: inline-block; text-decoration: none; width: 84px;"> <img alt="LinkedIn" src="https://static.licdn.com/aero-v1/sc/h/9ehe6n39fa07dc5edzv0rla4e" class="h-[21px] w-[84px]" style="outline: none; text-decoration: none; height: 21px; width: 84px;" width="84" height="21"> </a> </td> <td valign="middle" align="right" {TD}> <table {TABLE} width="100%" data-test-header-profile {TD}> <tbody> <tr> <td align="right" valign="middle" class="w-[32px]" style="width: 32px;" width="32"> <a href="{esc(me)}" {A}> <img alt="{esc(recipient)}" src="https://media.licdn.com/dms/image/v2/D4E03AQ{rnd(17)}/profile-displayphoto-shrink_100_100/profile-displayphoto-shrink_100_100/0/1701{rnd(9, '0123456789')}?e=2147483647&amp;v=beta&amp;t={rnd(43)}" class="rounded-[100%] w-[32px] h-[32px]" style="outline: none; text-decoration: none; height: 32px; width: 32px; border-radius: 100%;" width="32" height="32"> </a> </td> </tr> </tbody> </table> </td> </tr> </tbody> </table> </td> </tr> <tr> <td class="px-3 pb-3" style="padding-left: 24px; padding-right: 24px; padding-bottom: 24px;"> {content} </td> </tr> <tr> <td class="bg-color-background-canvas p-3" style="background-color: #f3f2f0; padding: 24px;"> {html_footer(tok, recipient, footer_receiving, year)} </td> </tr> </tbody> </table> </td> </tr> </tbody> </table> <img alt role="presentation" src="https://www.linkedin.com/emimp/ip_{rnd(60)}.gif" style="outline: none; text-decoration: none; width: 1px; height: 1px;" width="1" height="1"> </body> </html>
"""


RECIPIENT_FOOTER = {}


def html_footer(tok, recipient, receiving, year):
    rh = RECIPIENT_FOOTER[recipient]
    return f"""<table {TABLE} width="100%" class="text-xs" style="font-size: 12px;"> <tbody> <tr> <td class="pb-1 m-0" data-test-id="email-footer__intended" style="margin: 0px; padding-bottom: 8px;"> This email was intended for {esc(recipient)} ({esc(rh)}) </td> </tr> <tr> <td class="pb-1 m-0" style="margin: 0px; padding-bottom: 8px;"> <a href="{esc(tok.help_url('4788', 'SecurityHelp-0-footerglimmer'))}" target="_blank" class="text-inherit underline" style="color: inherit; text-decoration-line: underline;">Learn why we included this.</a> </td> </tr> <tr> <td class="pb-1 m-0" style="margin: 0px; padding-bottom: 8px;">You are receiving {esc(receiving)}.</td> </tr> <tr> <td class="pb-1 m-0" style="margin: 0px; padding-bottom: 8px;"> <a href="{esc(tok.unsub('unsubscribe-0-footerGlimmer'))}" target="_blank" class="text-inherit underline" style="color: inherit; text-decoration-line: underline;">Unsubscribe</a> &nbsp;&nbsp;&middot;&nbsp;&nbsp; <a href="{esc(tok.help_url('67', 'help-0-footerglimmer'))}" target="_blank" data-test-help-link class="text-inherit underline" style="color: inherit; text-decoration-line: underline;">Help</a> </td> </tr> <tr> <td class="pb-1" style="padding-bottom: 8px;"> <a href="{esc(tok.url('feed/', 'footer-0-logoGlimmer'))}" {A}> <img src="https://static.licdn.com/aero-v1/sc/h/9ehe6n39fa07dc5edzv0rla4e" alt="LinkedIn" style="display: block; height: 14px; width: 56px;" width="56" height="14"> </a> </td> </tr> <tr> <td data-test-copyright-text {TD}> &copy; {year} LinkedIn Corporation, 1&zwnj;000 West Maude Avenue, Sunnyvale, CA 94085. <span data-test-trademarks-text> LinkedIn and the LinkedIn logo are registered trademarks of LinkedIn. </span> </td> </tr> </tbody> </table>"""


def profile_card(tok, name, slug, headline, location, trk_prefix="ProfileCard-0", host="www.linkedin.com", slash=""):
    purl = tok.url("in/%s%s" % (slug, slash), "%s-profile_image" % trk_prefix, host=host)
    nurl = tok.url("in/%s%s" % (slug, slash), "%s-profile_name" % trk_prefix, host=host)
    return f"""<table {TABLE} width="auto" {TD}> <tbody> <tr> <td class="align-middle pr-1" width="64" style="padding-right: 8px; vertical-align: middle;"> <a href="{esc(purl)}" {A}> <img class="inline-block relative bg-color-entity-ghost-background clip-path-circle-50 rounded-full w-8 h-8" src="https://media.licdn.com/dms/image/v2/D4D03AQ{rnd(17)}/profile-displayphoto-scale_200_200/B4DZ{rnd(9)}/0/1765{rnd(9, '0123456789')}?e=2147483647&amp;v=beta&amp;t={rnd(43)}" alt="{esc(name)} profile picture" style="outline: none; text-decoration: none; display: inline-block; height: 64px; width: 64px; border-radius: 9999px;" width="64" height="64"> </a> </td> <td class="align-middle" style="vertical-align: middle;"> <table {TABLE} width="100%" {TD}> <tbody> <tr> <td {TD}> <span class="text-md font-bold" style="font-size: 16px; font-weight: 600;"> <a href="{esc(nurl)}" {A}> {esc(name)} </a> </span> </td> </tr> <tr> <td class="text-sm font-regular pt-0.25" style="padding-top: 2px; font-size: 14px; font-weight: 400;"> {esc(headline)} </td> </tr> <tr> <td class="text-xs font-regular text-cool-gray-70 pt-0.25" style="padding-top: 2px; font-size: 12px; font-weight: 400; color: #56687a;"> {esc(location)} </td> </tr> </tbody> </table> </td> </tr> </tbody> </table>"""


def button(url, label, aria=None):
    aria = aria or label
    return f"""<table {TABLE} width="100%" class="email-button " data-test-id="email-button" {TD}> <tbody> <tr> <td valign="middle" align="left" {TD}> <a href="{esc(url)}" target="_blank" aria-label="{esc(aria)}" class="align-top no-underline " style="color: #0a66c2; cursor: pointer; display: inline-block; text-decoration: none; vertical-align: top;"> <table {TABLE} width="auto" class="border-separate " style="border-collapse: separate;"> <tbody> <tr> <td class="btn-md btn-primary border-color-brand button-link" style="border-radius: 24px; padding: 12px 24px; text-align: center; font-size: 16px; font-weight: 600; background-color: #0a66c2; color: #ffffff;"> <span class="no-underline text-white" style="color: #ffffff;"> {esc(label)} </span> </td> </tr> </tbody> </table> </a> </td> </tr> </tbody> </table>"""


def message_td(lines):
    body = ' <br aria-hidden="true"> '.join(esc(l) for l in lines)
    return f"""<td class="message-contents pt-2 pb-2 text-md text-cool-gray-80" style="word-wrap: break-word; line-height: 1.5em; margin: 0; padding-bottom: 16px; padding-top: 16px; font-size: 16px; color: #38434f;"> {body} <br aria-hidden="true"> </td>"""


def assemble(hdrs, boundary, text, htmlbody):
    return (
        "{HDRS}\n\n"
        "--%s\n"
        "Content-Type: text/plain;charset=UTF-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "Content-ID: text-body\n"
        "\n"
        "%s"
        "--%s\n"
        "Content-Type: text/html;charset=UTF-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "Content-ID: html-body\n"
        "\n"
        "%s"
        "--%s--\n"
    ).replace("{HDRS}", "%s") % (hdrs.replace("{BOUNDARY}", boundary), boundary, qp(text), boundary, qp(htmlbody), boundary)


def boundary():
    import random
    return "----=_Part_%d_%d.%d" % (random.randint(10000000, 39999999), random.randint(100000000, 1999999999), 1736900000000 + random.randint(0, 99999999))
