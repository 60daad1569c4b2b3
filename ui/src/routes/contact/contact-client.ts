// The contact form's door to POST /api/contact (api/routes/contact.ts). A refusal becomes a
// ChatError (shared with the chat widget) carrying the problem per field and any Retry-After.
import { ChatError, chatErrorOf } from '../chat/chat-client.ts';

export interface ContactForm {
  name: string;
  email: string;
  phone: string;
  subject: string;
  message: string;
  website: string;
  submissionId: string;
}

/** Sends the form; resolves when the server has it, throws ChatError when refused. */
export async function submitContactForm(form: ContactForm): Promise<void> {
  const body = { ...form, phone: form.phone.trim() === '' ? undefined : form.phone };
  let response: Response;
  try {
    response = await fetch('/api/contact', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ChatError({ status: 0, message: 'We could not reach the server; try again.' });
  }
  if (response.ok) return;
  throw await chatErrorOf(response);
}
