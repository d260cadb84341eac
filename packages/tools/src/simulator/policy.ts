/**
 * One ad-selection policy under simulation. Campaigns and clients are named by their index in the
 * `SimulationWorkload`, so every policy's trace is comparable; a policy backed by the real API
 * maps indices to its own ids.
 */
export type Policy = {
  readonly name: string;
  /** One `GET /ads` for the client: the campaign shown, or null for a 404. */
  serve(client: number): Promise<number | null>;
  /** The client clicks a campaign it was just shown (at most once per pair). */
  click(campaign: number, client: number): Promise<void>;
  /** Moves the simulated day forward to `day` (days start at 0). */
  advanceDay(day: number): Promise<void>;
  /** Releases what the policy holds (database, connections). */
  close(): Promise<void>;
};

/** Progress of a long loading step, for the CLI's progress bar. */
export type LoadProgress = (done: number, total: number) => void;
