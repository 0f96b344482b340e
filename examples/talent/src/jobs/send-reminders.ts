import { defineJob, type Logger, type Runtime } from '@berthjs/runtime';
import { REMINDER_AFTER_MS } from '../domain';
import { reminderMessage } from '../messages';
import { claimDueReminders, releaseReminder } from '../store';

const BATCH = 100;

export interface SendRemindersOptions {
  /** The clock; tests move it forward. @default - new Date() */
  readonly now?: Date;
  readonly log?: Logger;
  readonly signal?: AbortSignal;
}

/**
 * Drafts older than three days get ONE reminder. Each draft is claimed (reminded_at set) before its email goes
 * out, so a second run, or an overlapping one, sends nothing; a draft whose email fails is released for the next run.
 */
export async function sendReminders(
  runtime: Runtime,
  options: SendRemindersOptions = {},
): Promise<{ sent: number; failed: number }> {
  const now = options.now ?? new Date();
  const log = options.log ?? runtime.log;
  const cutoff = new Date(now.getTime() - REMINDER_AFTER_MS);
  let sent = 0;
  let failed = 0;
  for (;;) {
    if (options.signal?.aborted) break;
    const due = await claimDueReminders(runtime.db, cutoff, now, BATCH);
    for (const reminder of due) {
      try {
        await runtime.mail.send(
          reminderMessage(reminder.applicantEmail, reminder.opportunityTitle, reminder.id),
        );
        sent++;
      } catch (err) {
        failed++;
        log.error(
          { err, application: reminder.id },
          'send-reminders: email failed; released for the next run',
        );
        await releaseReminder(runtime.db, reminder.id);
      }
    }
    // A released draft must not be claimed again in this run, so a failing batch ends the run.
    if (due.length < BATCH || failed > 0) break;
  }
  log.info({ sent, failed }, 'send-reminders: done');
  return { sent, failed };
}

export const sendRemindersJob = defineJob({
  name: 'send-reminders',
  schedule: 'cron(0 9 * * ? *)',
  run: async ({ runtime, log, signal }) => {
    const { failed } = await sendReminders(runtime, { log, signal });
    if (failed > 0) throw new Error(`send-reminders: ${failed} email(s) failed`);
  },
});
