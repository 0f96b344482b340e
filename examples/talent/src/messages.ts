import type { MailMessage } from '@berthjs/runtime';

/** The emails an applicant receives, one function per step. Plain text first; HTML mirrors it. */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function message(to: string, subject: string, lines: readonly string[]): MailMessage {
  return {
    to,
    subject,
    text: lines.join('\n\n'),
    html: lines.map((line) => `<p>${escapeHtml(line)}</p>`).join(''),
  };
}

export function submittedMessage(to: string, title: string, applicationId: string): MailMessage {
  return message(to, `We received your application: ${title}`, [
    `Thank you for applying to "${title}".`,
    `Your application ${applicationId} is submitted; a reviewer will look at it soon.`,
  ]);
}

const DECISIONS = {
  in_review: {
    subject: 'Your application is in review',
    line: 'A reviewer has started reviewing your application',
  },
  accepted: {
    subject: 'Your application was accepted',
    line: 'Congratulations: your application was accepted',
  },
  rejected: {
    subject: 'An update on your application',
    line: 'We are sorry: your application was not selected',
  },
} as const;

export function statusMessage(to: string, title: string, status: keyof typeof DECISIONS): MailMessage {
  const decision = DECISIONS[status];
  return message(to, `${decision.subject}: ${title}`, [`${decision.line} for "${title}".`]);
}

export function reminderMessage(to: string, title: string, applicationId: string): MailMessage {
  return message(to, `Finish your application: ${title}`, [
    `You started an application to "${title}" but have not submitted it yet.`,
    `Upload your résumé and submit application ${applicationId} before the opportunity closes.`,
  ]);
}
