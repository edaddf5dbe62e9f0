set terminal pngcairo size 1100,600
set output 'backlog_total.png'
set title 'Pending cases, all centers'
set xlabel 'day'
set ylabel 'pending'
set key outside right
set grid
set format y '%.0f'
plot 'backlog_total.dat' using 1:2 with lines lw 2 title 'fifo', 'backlog_total.dat' using 1:3 with lines lw 2 title 'skills-longest-idle', 'backlog_total.dat' using 1:4 with lines lw 2 title 'greedy-edf', 'backlog_total.dat' using 1:5 with lines lw 2 title 'min-cost-flow', 'backlog_total.dat' using 1:6 with lines lw 2 title 'min-cost-flow+national-rebalance', 'backlog_total.dat' using 1:7 with lines lw 2 title 'min-cost-flow-triage', 'backlog_total.dat' using 1:8 with lines lw 2 title 'min-cost-flow-triage+national-rebalance'
