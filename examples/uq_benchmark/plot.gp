# ROC curves of the three novelty scores (data from analyze.py)
set terminal pngcairo size 640,560 noenhanced
set output "roc.png"
set title "Held-out Cu classes (clusters, liquid) vs in-distribution environments"
set xlabel "false positive rate (in-distribution flagged)"
set ylabel "true positive rate (novel flagged)"
set key bottom right
set size square
plot [0:1][0:1] "roc_gamma.dat" with lines lw 2 title "gamma (global D-optimality)", \
     "roc_gamma_local.dat" with lines lw 2 title "gamma_local (clustered)", \
     "roc_dH.dat" with lines lw 2 title "dH (descriptor entropy)", \
     x with lines dt 2 lc "gray" notitle
