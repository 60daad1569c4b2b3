/* global document */
// The chat widget for a customer's own website: one script tag
//   <script src="https://support.example.com/chat-embed.js" async></script>
// adds a "Chat with us" button that opens Casework's /chat page in a small frame (the page
// may be framed; api/middleware/page-security-headers.ts). Nothing else is loaded, and no
// data of the host page is read or sent.
(function embedCaseworkChat() {
  const script = document.currentScript;
  if (!script || document.getElementById('casework-chat-button')) return;
  const origin = new URL(script.src).origin;

  const button = document.createElement('button');
  button.id = 'casework-chat-button';
  button.type = 'button';
  button.textContent = 'Chat with us';
  button.setAttribute('aria-expanded', 'false');
  button.style.cssText =
    'position:fixed;right:1rem;bottom:1rem;z-index:2147483000;padding:.6rem 1rem;' +
    'border:0;border-radius:999px;background:#1f5fbf;color:#fff;font:inherit;cursor:pointer';

  let frame = null;
  button.addEventListener('click', () => {
    if (frame === null) {
      frame = document.createElement('iframe');
      frame.src = `${origin}/chat`;
      frame.title = 'Chat with us';
      frame.style.cssText =
        'position:fixed;right:1rem;bottom:4rem;z-index:2147483000;width:min(24rem,92vw);' +
        'height:min(36rem,75vh);border:1px solid #d6dbe1;border-radius:8px;background:#fff';
      document.body.appendChild(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
    button.setAttribute('aria-expanded', String(!frame.hidden));
  });

  document.body.appendChild(button);
})();
