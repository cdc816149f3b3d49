// Whether the central server answers: the kiosk-wide offline banner, and the signed update waiting.
import type { Connectivity, ErrorBody } from '../bindings';
import type { Api, ScreenId } from '../context';
import { h } from '../dom';
import { clearText, setI18n } from '../ui';

/** How often `connectivity` is asked, on every screen, for the offline banner. */
export const CONNECTIVITY_POLL_MS = 5000;
const UNREACHABLE = 'central.unreachable';

export interface ConnectivityContext {
  api: Pick<Api, 'connectivity' | 'installUpdate'>;
  connected(): boolean;
  screen(): ScreenId;
  /** The central server started or stopped refusing this kiosk. */
  onRefusedChange(): void;
}

export interface ConnectivityMonitor {
  /** `#offline-banner`: shown while the central server is out of reach. */
  readonly element: HTMLElement;
  online(): boolean;
  /** The central server answers but refuses this kiosk (not enrolled, or revoked). */
  refused(): boolean;
  setOnline(online: boolean): void;
  setRefused(refused: boolean): void;
  /** Asks `connectivity`; only the answer to the latest question counts. Failures keep the banner as it is. */
  refresh(): Promise<void>;
  /** A command failed: if the central server is out of reach, the banner is checked now rather than in 5 s. */
  noticeError(body: ErrorBody): void;
  /** Asks now, then every CONNECTIVITY_POLL_MS for as long as the app is mounted. */
  start(): void;
}

export function createConnectivity(ctx: ConnectivityContext): ConnectivityMonitor {
  // Kiosk-wide: kept across residents.
  let online = true;
  let refused = false;
  let asked = 0;
  /** install_update was asked and has not failed (it restarts the kiosk when it succeeds). */
  let updateAsked = false;
  const element = h('div', { id: 'offline-banner', class: 'offline-banner', role: 'status', hidden: true });

  function render(): void {
    element.hidden = online;
    if (online) clearText(element);
    else if (element.dataset.i18n !== 'app.offline_banner') setI18n(element, 'app.offline_banner');
  }

  function setOnline(value: boolean): void {
    if (online === value) return;
    online = value;
    render();
  }

  function setRefused(value: boolean): void {
    if (refused === value) return;
    refused = value;
    ctx.onRefusedChange();
  }

  async function refresh(): Promise<void> {
    asked += 1;
    const mine = asked;
    let answer: Connectivity;
    try {
      answer = await ctx.api.connectivity();
    } catch {
      return;
    }
    if (mine !== asked || !ctx.connected()) return;
    setOnline(answer.online);
    setRefused(answer.refused);
    // A signed update waits: installed only between residents, on the attract screen (the kiosk restarts).
    if (answer.update_ready && ctx.screen() === 'attract' && !updateAsked) {
      updateAsked = true;
      ctx.api.installUpdate().catch(() => {
        updateAsked = false;
      });
    }
  }

  function noticeError(body: ErrorBody): void {
    if (body.code === UNREACHABLE) void refresh();
  }

  function start(): void {
    void refresh();
    const timer = setInterval(() => {
      if (!ctx.connected()) {
        clearInterval(timer);
        return;
      }
      void refresh();
    }, CONNECTIVITY_POLL_MS);
  }

  return { element, online: () => online, refused: () => refused, setOnline, setRefused, refresh, noticeError, start };
}
